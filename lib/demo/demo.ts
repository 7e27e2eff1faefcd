/**
 * The demo: with no server and nothing installed, build an example git repository of trees in
 * a temporary directory, sync it into the embedded store, and print what happened.
 *
 * @module
 */
import { createLogger, type Logger } from "../log.ts";
import { RealRunner } from "../proc/real.ts";
import { openLocalStore } from "../store/local.ts";
import { readTree } from "../store/tree_io.ts";
import { syncRepository } from "../sync/sync.ts";
import { formatTree } from "../tree/format.ts";

/** The example repository's files, shipped in testdata/demo/cluster. */
export const DEMO_TREES = new URL("../../testdata/demo/cluster/", import.meta.url);

/** What the demo prints to; defaults to standard output. */
export type Print = (line: string) => void;

async function git(cwd: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command("git", {
    args,
    cwd,
    env: {
      GIT_AUTHOR_NAME: "clusterdeploy demo",
      GIT_AUTHOR_EMAIL: "demo@clusterdeploy.invalid",
      GIT_COMMITTER_NAME: "clusterdeploy demo",
      GIT_COMMITTER_EMAIL: "demo@clusterdeploy.invalid",
    },
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`git ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** Makes the example repository under `dir` and returns its path. */
export async function makeDemoRepository(dir: string): Promise<string> {
  const repo = `${dir}/cluster.git-work`;
  await Deno.mkdir(repo, { recursive: true });
  for await (const entry of Deno.readDir(DEMO_TREES)) {
    await Deno.copyFile(new URL(entry.name, DEMO_TREES), `${repo}/${entry.name}`);
  }
  await git(repo, "init", "--quiet", "--initial-branch=master");
  await git(repo, "add", "--all");
  await git(repo, "commit", "--quiet", "-m", "Example cluster");
  return repo;
}

/** Runs the demo in `dir` (a new temporary directory when undefined). Returns the exit code. */
export async function runDemo(
  options: { dir?: string; print?: Print; log?: Logger } = {},
): Promise<number> {
  const print = options.print ?? ((line: string) => console.log(line));
  const log = options.log ?? createLogger();
  const dir = options.dir ?? await Deno.makeTempDir({ prefix: "clusterdeploy-demo-" });
  print(`== clusterdeploy demo, in ${dir}`);
  const repo = await makeDemoRepository(dir);
  print(`== 1. an example repository of trees: ${repo}`);
  for (
    const entry of [...Deno.readDirSync(repo)].filter((e) => e.isFile).sort((a, b) =>
      a.name < b.name ? -1 : 1
    )
  ) {
    print(`   ${entry.name}`);
  }
  const storePath = `${dir}/cluster-store.json`;
  print(`== 2. sync it into the embedded store (file:${storePath})`);
  const store = await openLocalStore(storePath);
  try {
    const result = await syncRepository({
      store,
      runner: new RealRunner(),
      log,
      repoUrl: repo,
      treeDir: `${dir}/trees`,
    });
    if (result.exitCode !== 0) return result.exitCode;
    print("== 3. the resulting cluster tree");
    for (const line of formatTree(await readTree(store, "/")).trimEnd().split("\n")) {
      print(`   ${line}`);
    }
    print(`== try: deno run -A main.ts tree export --store file:${storePath}`);
    return 0;
  } finally {
    await store.close();
  }
}
