/**
 * Sync benchmark against a real ZooKeeper server (or, with `--store=file`, the embedded store):
 * for a generated cluster of 50 customers × 10 apps × 3 hosts (about 4 000 nodes), times a fresh
 * sync, an unchanged re-sync (a new commit whose trees did not change), a re-sync with 1 in 10
 * customers changed, and a full export; counts the ZooKeeper requests each made (the server's
 * `mntr` counters; none for the embedded store); and times the part of a sync that builds the
 * deployment index. Prints a table with the conditions it was taken under (cores, load,
 * versions, server settings).
 *
 * Run with `deno task bench` (optionally `--store=file`, `C A H` and a repeat count).
 *
 * @module
 */
import { deploymentIndexOps } from "../lib/cluster/mod.ts";
import { memoryLogger } from "../lib/log.ts";
import { RealRunner } from "../lib/proc/real.ts";
import { openLocalStore } from "../lib/store/embedded/mod.ts";
import type { Store } from "../lib/store/types.ts";
import { connectZooKeeper } from "../lib/store/zookeeper/mod.ts";
import { readTree } from "../lib/store/tree_io.ts";
import { syncRepository } from "../lib/sync/sync.ts";
import { formatTree } from "../lib/tree/format.ts";
import { makeRepo } from "../tests/support/harness/git_repo.ts";
import { startZooKeeper } from "../tests/support/servers/zookeeper.ts";
import { machine, mntr } from "./conditions.ts";
import { generateTrees, nodeCount } from "./tree_gen.ts";

const embedded = Deno.args.includes("--store=file");
const [c = "50", a = "10", h = "3", repeat = "5"] = Deno.args.filter((arg) =>
  !arg.startsWith("--")
);
const shape = { customers: +c, apps: +a, hosts: +h };
const results: [string, number[], number[]][] = [];

/** Times `fn`; counts the requests the ZooKeeper server on `port` got (NaN without one). */
async function timed(port: number | undefined, label: string, fn: () => Promise<void>) {
  const before = port === undefined ? undefined : await mntr(port);
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  const requests = port === undefined || before === undefined
    ? NaN
    : (await mntr(port)).zk_packets_received - before.zk_packets_received - 1;
  const row = results.find(([l]) => l === label);
  if (row) {
    row[1].push(ms);
    row[2].push(requests);
  } else results.push([label, [ms], [requests]]);
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
    const port = server?.port;
    await timed(port, "fresh sync (git clone + import into empty cluster)", sync);
    await repo.commit("nothing changed");
    await timed(port, "unchanged re-sync (git fetch + compare, 0 writes)", sync);
    const changed = { ...shape, customers: Math.ceil(shape.customers / 10) };
    for (const [name, text] of generateTrees(changed, 1)) await repo.write(name, text);
    await repo.commit("one customer in ten changed");
    await timed(port, "re-sync with 10% of customers changed", sync);
    let tree = await readTree(store, "/");
    await timed(port, "full export (read + format)", async () => {
      tree = await readTree(store, "/");
      formatTree(tree);
    });
    await timed(port, "deployment index of the tree (build, no writes)", async () => {
      await deploymentIndexOps(store, tree, "bench");
    });
  } finally {
    await store.close();
    await server?.close();
    await Deno.remove(work, { recursive: true });
  }
}

const before = await machine();
for (let i = 0; i < +repeat; i++) await round();
const after = await machine();

console.log(
  `store: ${embedded ? "embedded (SQLite file)" : "ZooKeeper"}; ` +
    `cluster: ${shape.customers} × ${shape.apps} × ${shape.hosts} ≈ ${nodeCount(shape)} nodes, ` +
    `medians of ${repeat} rounds`,
);
console.log(`conditions: ${before.summary}; load after ${after.load}`);
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
for (const [label, times, requests] of results) {
  console.log(
    `${label.padEnd(50)} median ${median(times).toFixed(0).padStart(5)} ms` +
      (embedded ? "" : `, ${median(requests)} ZooKeeper requests`),
  );
}
