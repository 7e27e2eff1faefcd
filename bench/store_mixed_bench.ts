/**
 * Mixed store workload, as an operator's busy host would see it: one sync of a generated
 * cluster (50 customers × 10 apps × 3 hosts, about 4 100 nodes, git clone included) while, in
 * other processes, three tree imports (100 nodes, 10 rounds each), four check-and-set counters
 * (50 increments each) and three agents (ephemeral host node, watch, whole-tree read on every
 * cluster version) use the same store. Prints how long the sync and each contender took and
 * checks that nothing was lost (the counter, every import, the synced tree).
 *
 * `deno run -A bench/store_mixed_bench.ts [file|zookeeper]` (default `file`: the embedded store).
 *
 * @module
 */
import { memoryLogger } from "../lib/log.ts";
import { RealRunner } from "../lib/proc/real.ts";
import { openStore } from "../lib/store/open.ts";
import { getProperties } from "../lib/store/tree_io.ts";
import type { Store } from "../lib/store/types.ts";
import { syncRepository } from "../lib/sync/sync.ts";
import { makeRepo } from "../tests/support/harness/git_repo.ts";
import { startZooKeeper } from "../tests/support/servers/zookeeper.ts";
import { generateTrees, nodeCount } from "./tree_gen.ts";

const kind = Deno.args[0] ?? "file";
const shape = { customers: 50, apps: 10, hosts: 3 };
const WORKER = new URL("./store_mixed_worker.ts", import.meta.url).pathname;
const COUNTERS = 4, COUNTS = 50, IMPORTERS = 3, IMPORTS = 10, AGENTS = 3;

function worker(...args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", WORKER, ...args],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  return child.output().then((out) => {
    const text = new TextDecoder().decode(out.stdout);
    if (!out.success) throw new Error(`${args.join(" ")} failed: ${text}`);
    return { what: `${args[0]} ${args[2]}`, ms: Number(/done (\d+)/.exec(text)?.[1]) };
  });
}

const work = await Deno.makeTempDir({ prefix: "clusterdeploy-mixed-" });
const server = kind === "zookeeper" ? await startZooKeeper() : undefined;
const connect = server?.connect ?? `file:${work}/store.db`;
let store: Store | undefined;
try {
  store = await openStore(connect);
  await store.create("/bench/counter", "", { parents: true });
  const repo = await makeRepo(work);
  for (const [name, text] of generateTrees(shape)) await repo.write(name, text);
  await repo.commit("initial");

  const agents = Array.from({ length: AGENTS }, (_, i) => worker("agent", connect, String(i)));
  const others = [
    ...Array.from(
      { length: IMPORTERS },
      (_, i) => worker("import", connect, String(i), String(IMPORTS)),
    ),
    ...Array.from({ length: COUNTERS }, (_, i) => worker("count", connect, String(i), `${COUNTS}`)),
  ];
  const t0 = performance.now();
  const result = await syncRepository({
    store,
    runner: new RealRunner(),
    log: memoryLogger(),
    repoUrl: repo.path,
    treeDir: `${work}/trees`,
  });
  const syncMs = performance.now() - t0;
  if (result.exitCode !== 0) throw new Error(`sync failed: ${result.status}`);
  const done = await Promise.all(others);
  await store.create("/bench/stop", "");
  done.push(...await Promise.all(agents));
  const total = performance.now() - t0;

  const count = (await getProperties(store, "/bench/counter"))?.count;
  const lost: string[] = [];
  if (count !== COUNTERS * COUNTS) lost.push(`counter ${count}, not ${COUNTERS * COUNTS}`);
  for (let i = 0; i < IMPORTERS; i++) {
    const top = await getProperties(store, `/bench/import${i}`);
    if (top?.round !== IMPORTS - 1) lost.push(`import ${i} at round ${top?.round}`);
  }
  for (let c = 0; c < shape.customers; c++) {
    if ((await store.get(`/cust${c}/app9/logs`)) === null) lost.push(`/cust${c} incomplete`);
  }
  console.log(`store: ${kind}; cluster ≈ ${nodeCount(shape)} nodes`);
  console.log(`${"sync (clone + import + version bump)".padEnd(40)} ${syncMs.toFixed(0)} ms`);
  for (const { what, ms } of done) console.log(`${what.padEnd(40)} ${ms} ms`);
  console.log(`${"everything".padEnd(40)} ${total.toFixed(0)} ms`);
  console.log(lost.length === 0 ? "nothing lost" : `LOST: ${lost.join("; ")}`);
  if (lost.length > 0) Deno.exitCode = 1;
} finally {
  await store?.close();
  await server?.close();
  await Deno.remove(work, { recursive: true });
}
