/**
 * The demo's git repositories: the example repository of trees and the example compose
 * application, each a real repository with one commit, made from the shipped files.
 *
 * @module
 */
import { copyResourceDir, DEMO_APP, DEMO_TREES } from "./resources.ts";

/** The author of the demo's commits (git needs one even on a machine with no git config). */
const AUTHOR = {
  GIT_AUTHOR_NAME: "clusterdeploy demo",
  GIT_AUTHOR_EMAIL: "demo@clusterdeploy.invalid",
  GIT_COMMITTER_NAME: "clusterdeploy demo",
  GIT_COMMITTER_EMAIL: "demo@clusterdeploy.invalid",
};

/** Runs git in `cwd`; throws with git's message when it fails. Returns standard output. */
export async function git(cwd: string, ...args: string[]): Promise<string> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("git", {
      args,
      cwd,
      env: AUTHOR,
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    throw new Error(
      `The demo needs git: cannot run it (${(error as Error).message}); install git and retry`,
    );
  }
  if (!out.success) {
    throw new Error(`git ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout).trim();
}

/** A repository the demo made. */
export interface DemoRepository {
  /** Its working directory (also its URL for git). */
  path: string;
  /** Its files, sorted. */
  files: string[];
  /** The commit id of its only commit. */
  commit: string;
}

async function makeRepository(from: URL, path: string, message: string): Promise<DemoRepository> {
  await Deno.mkdir(path, { recursive: true });
  const files = await copyResourceDir(from, path);
  await git(path, "init", "--quiet", "--initial-branch=master");
  await git(path, "add", "--all");
  await git(path, "commit", "--quiet", "-m", message);
  return { path, files, commit: await git(path, "rev-parse", "HEAD") };
}

/** Makes the example repository of trees under `dir` (testdata/demo/cluster). */
export function makeTreeRepository(dir: string): Promise<DemoRepository> {
  return makeRepository(DEMO_TREES, `${dir}/cluster.git-work`, "Example cluster");
}

/**
 * Makes the example compose application under `dir`, at `<dir>/apps/demo/shop`, so that
 * `https://git.example.com/demo/shop` maps onto it (see {@linkcode appGitEnv}).
 */
export function makeAppRepository(dir: string): Promise<DemoRepository> {
  return makeRepository(DEMO_APP, `${dir}/apps/demo/shop`, "Example compose application");
}

/** The application's URL in the demo's events: the address it would have on a real forge. */
export const DEMO_APP_URL = "https://git.example.com/demo/shop";

/** Environment that makes git fetch `https://git.example.com/…` from `<dir>/apps/…`. */
export function appGitEnv(dir: string): Record<string, string> {
  return {
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: `url.file://${dir}/apps/.insteadOf`,
    GIT_CONFIG_VALUE_0: "https://git.example.com/",
  };
}
