/**
 * Sync benchmark against a real ZooKeeper server (or, with `--store=file`, the embedded store):
 * for a generated cluster of 50 customers × 10 apps × 3 hosts (about 4 000 nodes), times a fresh
 * sync, an unchanged re-sync (a new commit whose trees did not change), a re-sync with 1 in 10
 * apps changed, and a full export. Prints a table; run with `deno task bench` (optionally
 * `--store=file`, `C A H` and a repeat count).
 *
 * @module
 */
import { memoryLogger } from "../lib/log.ts";
import { RealRunner } from "../lib/proc/real.ts";
import { openLocalStore } from "../lib/store/local.ts";
import type { Store } from "../lib/store/types.ts";
import { connectZooKeeper } from "../lib/store/zookeeper.ts";
import { readTree } from "../lib/store/tree_io.ts";
import { syncRepository } from "../lib/sync/sync.ts";
import { formatTree } from "../lib/tree/format.ts";
import { makeRepo } from "../tests/support/git_repo.ts";
import { startZooKeeper } from "../tests/support/zookeeper_server.ts";
import { generateTrees, nodeCount } from "./tree_gen.ts";

const embedded = Deno.args.includes("--store=file");
const [c = "50", a = "10", h = "3", repeat = "5"] = Deno.args.filter((arg) =>
  !arg.startsWith("--")
);
const shape = { customers: +c, apps: +a, hosts: +h };
const results: [string, number[]][] = [];

async function timed(label: string, fn: () => Promise<void>) {
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  const row = results.find(([l]) => l === label);
  if (row) row[1].push(ms);
  else results.push([label, [ms]]);
}

/** One round on a fresh server and a fresh repository. */
async function round(): Promise<void> {
  const server = embedded ? undefined : await startZooKeeper();
  const work = await Deno.makeTempDir({ prefix: "clusterdeploy-bench-" });
  const store: Store = server === undefined
    ? await openLocalStore(`${work}/store.db`)
    : await connectZooKeeper(server.connect);
  try {
    const repo = await makeRepo(work);
    for (const [name, text] of generateTrees(shape)) await repo.write(name, text);
    await repo.commit("initial");
    const sync = async () => {
      const result = await syncRepository({
        store,
        runner: new RealRunner(),
        log: memoryLogger(),
        repoUrl: repo.path,
        treeDir: `${work}/trees`,
      });
      if (result.exitCode !== 0) throw new Error(`sync failed: ${result.status}`);
    };
    await timed("fresh sync (git clone + import into empty cluster)", sync);
    await repo.commit("nothing changed");
    await timed("unchanged re-sync (git fetch + compare, 0 writes)", sync);
    const changed = { ...shape, customers: Math.ceil(shape.customers / 10) };
    for (const [name, text] of generateTrees(changed, 1)) await repo.write(name, text);
    await repo.commit("one customer in ten changed");
    await timed("re-sync with 10% of customers changed", sync);
    await timed("full export (read + format)", async () => {
      formatTree(await readTree(store, "/"));
    });
  } finally {
    await store.close();
    await server?.close();
    await Deno.remove(work, { recursive: true });
  }
}

for (let i = 0; i < +repeat; i++) await round();

console.log(
  `store: ${embedded ? "embedded (SQLite file)" : "ZooKeeper"}; ` +
    `cluster: ${shape.customers} × ${shape.apps} × ${shape.hosts} ≈ ${nodeCount(shape)} nodes`,
);
for (const [label, times] of results) {
  const sorted = [...times].sort((x, y) => x - y);
  console.log(`${label.padEnd(48)} median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms`);
}
