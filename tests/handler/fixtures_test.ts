/**
 * Fixtures of the handler tests (no tests here): a real git repository of the test application
 * (testdata/handler/lycee-test-mlf, branches `master`, `preprod` and `feature/x`), reachable as
 * `https://git.example.com/hosting/lycee-test-mlf` through git's `url.<base>.insteadOf`, a
 * runner that gives git that configuration, and the transcript normalizer.
 *
 * Covers: lib/proc/env_runner.ts, lib/proc/real.ts, lib/proc/types.ts.
 *
 * @module
 */
import { EnvRunner } from "../../lib/proc/env_runner.ts";
import { RealRunner } from "../../lib/proc/real.ts";
import type { Runner } from "../../lib/proc/types.ts";

/** The repo URL the events use. */
export const REPO = "https://git.example.com/hosting/lycee-test-mlf";
/** The application deployed from `master`. */
export const NAME = "lycee-test-mlf_master.3d9eb";
/** Its compose project. */
export const PROJECT = "lyceetestmlfmaster3d9eb";
/** The application deployed from `preprod`. */
export const PREPROD = "lycee-test-mlf_preprod.3d9eb";
/** Its compose project. */
export const PREPROD_PROJECT = "lyceetestmlfpreprod3d9eb";
/** The cluster: three nodes. */
export const MEMBERS = [
  { name: "nepri", addr: "10.0.0.1" },
  { name: "tayt", addr: "10.0.0.2" },
  { name: "edjo", addr: "10.0.0.3" },
];

/**
 * The KV document `app/<name>` of the application as deployed by event ev-1 on `master` (and
 * `slave`): `name` and `project` default to the master branch's.
 */
export function deployed(master: string, slave?: string, name = NAME, project = PROJECT) {
  return {
    [`app/${name}`]: {
      master,
      slave: slave ?? null,
      ip: MEMBERS.find((m) => m.name === master)!.addr,
      slave_ip: slave ? MEMBERS.find((m) => m.name === slave)!.addr : null,
      repo_url: REPO,
      branch: name === NAME ? "master" : "preprod",
      deploy_id: "ev-1",
      previous_deploy_id: null,
      volumes: [`${project}_dbdata`, `${project}_wwwdata`],
    },
  };
}

const APP_FILES = new URL("../../testdata/handler/lycee-test-mlf/", import.meta.url);

/** A test's git server and scratch space. */
export interface Fixtures {
  /** Temporary directory holding everything (removed by `cleanup`). */
  root: string;
  /** Environment that makes git fetch {@linkcode REPO} from the local repository. */
  gitEnv: Record<string, string>;
  /** A real runner with {@linkcode gitEnv}. */
  runner: Runner;
  /** Makes a fresh deploy directory for a node. */
  deployDir(node: string): Promise<string>;
  /** Removes everything. */
  cleanup(): Promise<void>;
}

async function git(cwd: string, ...args: string[]) {
  const out = await new Deno.Command("git", {
    args: ["-c", "user.name=test", "-c", "user.email=test@example.com", ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`git ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** Builds the repository (master and preprod) from testdata. */
export async function makeFixtures(): Promise<Fixtures> {
  const root = await Deno.makeTempDir({ prefix: "handler-test-" });
  const repo = `${root}/git/hosting/lycee-test-mlf`;
  await Deno.mkdir(repo, { recursive: true });
  await git(repo, "init", "-q", "-b", "master");
  for await (const entry of Deno.readDir(APP_FILES)) {
    await Deno.copyFile(new URL(entry.name, APP_FILES), `${repo}/${entry.name}`);
  }
  await git(repo, "add", ".");
  await git(repo, "commit", "-q", "-m", "the test application");
  await git(repo, "branch", "preprod");
  await git(repo, "branch", "feature/x");
  const gitEnv = {
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: `url.file://${root}/git/hosting/.insteadOf`,
    GIT_CONFIG_VALUE_0: "https://git.example.com/hosting/",
  };
  return {
    root,
    gitEnv,
    runner: new EnvRunner(new RealRunner(), gitEnv),
    async deployDir(node: string) {
      const dir = `${root}/deploy-${node}`;
      await Deno.mkdir(dir, { recursive: true });
      return dir;
    },
    cleanup: () => Deno.remove(root, { recursive: true }),
  };
}

/** Transcript lines with the test's temporary paths and ports shown as on a real node. */
export function normalize(lines: string[], replacements: Record<string, string>): string {
  let text = lines.join("\n");
  for (const [from, to] of Object.entries(replacements)) text = text.replaceAll(from, to);
  return text;
}
