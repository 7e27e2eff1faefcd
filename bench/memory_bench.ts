/**
 * Memory benchmark: the peak RSS of a real `sync.ts` process importing a generated tree into a
 * real ZooKeeper (default 1 000 customers × 10 apps × 3 hosts ≈ 82 000 nodes), per node; the
 * peak of an empty `deno run` beside it, so what the tree costs can be told from the runtime's
 * own. Peak RSS is GNU time's maximum resident set size of the process. Runs a fresh sync (the
 * import into an empty cluster) and then an unchanged one.
 *
 * Run: `deno run -A bench/memory_bench.ts [C A H]`. Not a test: figures depend on the machine.
 *
 * @module
 */
import { makeRepo } from "../tests/support/harness/git_repo.ts";
import { startZooKeeper } from "../tests/support/servers/zookeeper.ts";
import { machine } from "./conditions.ts";
import { generateTrees, nodeCount } from "./tree_gen.ts";

const [c = "1000", a = "10", h = "3"] = Deno.args;
const shape = { customers: +c, apps: +a, hosts: +h };
const root = new URL("../", import.meta.url).pathname;

/** Runs `deno run -A args` under GNU time; its peak RSS in KB. */
async function peakKb(args: string[]): Promise<number> {
  const out = await new Deno.Command("/usr/bin/time", {
    args: ["-f", "peak-kb %M", Deno.execPath(), "run", "-A", "--quiet", ...args],
    stdout: "null",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`deno run ${args.join(" ")} failed:\n${text}`);
  return Number(/peak-kb (\d+)/.exec(text)![1]);
}

const conditions = await machine();
const server = await startZooKeeper({ maxHeap: "1g" });
const work = await Deno.makeTempDir({ prefix: "clusterdeploy-memory-" });
try {
  const repo = await makeRepo(work);
  for (const [name, text] of generateTrees(shape)) await repo.write(name, text);
  await repo.commit("initial");
  const empty = `${work}/empty.ts`;
  await Deno.writeTextFile(empty, "");
  const sync = [`${root}sync.ts`, "--store", server.connect, "--tree-dir", `${work}/trees`];
  const base = await peakKb([empty]);
  const fresh = await peakKb([...sync, repo.path]);
  await repo.commit("nothing changed");
  const unchanged = await peakKb([...sync, repo.path]);
  const nodes = nodeCount(shape);
  console.log(
    `memory: tree ${shape.customers} × ${shape.apps} × ${shape.hosts} ≈ ${nodes} nodes; ` +
      conditions.summary,
  );
  console.log("| run | peak RSS | per node | per node above an empty deno run |");
  console.log("|---|---|---|---|");
  const row = (label: string, kb: number) =>
    console.log(
      `| ${label} | ${(kb / 1024).toFixed(0)} MB | ${(kb * 1024 / nodes).toFixed(0)} B | ` +
        `${((kb - base) * 1024 / nodes).toFixed(0)} B |`,
    );
  row("empty deno run", base);
  row("fresh sync (import into an empty cluster)", fresh);
  row("unchanged sync", unchanged);
} finally {
  await server.close();
  await Deno.remove(work, { recursive: true });
}
