/**
 * Where a sync's time goes: the steps of `syncRepository` run one by one, in this process, on a
 * generated tree (default 44 customers × 10 apps × 3 hosts = 3 608 nodes) against a real
 * ZooKeeper server — git (clone or fetch), connect, the version and hosts reads, the cluster
 * lock, the first pass over the files (parse and validate), the plan (live read, parse again,
 * diff: the store's time split off as "live read"), the writes, the deployment index and the
 * bump — for a fresh sync and an unchanged one; then the process start-up (`sync.ts --help`,
 * and the import of what a run loads, against an empty `deno run`). Medians of ROUNDS runs,
 * each fresh run into a cluster (chroot) of its own. Counts the store calls of each step (a
 * `getMany` of up to 500 paths is one ZooKeeper request).
 *
 * Run: `deno run -A bench/sync_profile.ts [CUSTOMERS] [ROUNDS]`. Not a test: times depend on the
 * machine, and the machine's load is printed with them.
 *
 * @module
 */
import { makeRepo } from "../tests/support/harness/git_repo.ts";
import { startZooKeeper } from "../tests/support/servers/zookeeper.ts";
import { machine } from "./conditions.ts";
import { generateTrees, nodeCount } from "./tree_gen.ts";
import { DelegatingStore } from "../lib/store/delegating.ts";
import type { ReadOptions, StoredNode, StoreOp } from "../lib/store/types.ts";
import { connectZooKeeper } from "../lib/store/zookeeper/mod.ts";
import { applyStoreOps, updateProperties } from "../lib/store/tree_io.ts";
import { RealRunner } from "../lib/proc/real.ts";
import { updateCheckout } from "../lib/sync/git.ts";
import { listTreeFiles } from "../lib/sync/tree_files.ts";
import { scanTreeFiles } from "../lib/sync/tree_scan.ts";
import { planByGroups } from "../lib/sync/grouped_plan.ts";
import { deploymentIndexOpsOf, HOSTS_PATH } from "../lib/cluster/mod.ts";
import { CLUSTER_LOCK } from "../lib/sync/sync.ts";

const customers = Number(Deno.args[0] ?? 44);
const rounds = Number(Deno.args[1] ?? 5);
const shape = { customers, apps: 10, hosts: 3 };

/** Times the store's reads, counting calls. */
class TimedStore extends DelegatingStore {
  readMs = 0;
  calls = 0;
  override async get(path: string, options?: ReadOptions): Promise<StoredNode | null> {
    const start = performance.now();
    this.calls++;
    try {
      return await super.get(path, options);
    } finally {
      this.readMs += performance.now() - start;
    }
  }
  override async getMany(paths: readonly string[], options?: ReadOptions) {
    const start = performance.now();
    this.calls += Math.max(1, Math.ceil(paths.length / 500));
    try {
      return await super.getMany(paths, options);
    } finally {
      this.readMs += performance.now() - start;
    }
  }
}

type Steps = Map<string, { ms: number[]; calls: number[] }>;
const fresh: Steps = new Map();
const unchanged: Steps = new Map();

async function step<T>(
  steps: Steps,
  name: string,
  store: TimedStore | undefined,
  fn: () => Promise<T>,
) {
  const calls = store?.calls ?? 0;
  const start = performance.now();
  const result = await fn();
  const ms = performance.now() - start;
  const entry = steps.get(name) ?? { ms: [], calls: [] };
  entry.ms.push(ms);
  entry.calls.push((store?.calls ?? 0) - calls);
  steps.set(name, entry);
  return result;
}

/** One sync, step by step, as `syncLocked` runs them. */
async function profiled(steps: Steps, connect: string, repo: string, treeDir: string) {
  const commit = await step(
    steps,
    "git (clone or fetch + reset)",
    undefined,
    () => updateCheckout(new RealRunner(), repo, undefined, treeDir),
  );
  const inner = await step(steps, "connect", undefined, () => connectZooKeeper(connect));
  const store = new TimedStore(inner);
  try {
    await step(
      steps,
      "version and hosts reads (twice: before and under the lock)",
      store,
      async () => {
        for (let i = 0; i < 2; i++) {
          const hosts = await store.get(HOSTS_PATH);
          if (hosts !== null) {
            await store.getMany(hosts.children.map((id) => `${HOSTS_PATH}/${id}`));
          }
        }
      },
    );
    const lock = await step(steps, "cluster lock (take)", store, () => store.tryLock(CLUSTER_LOCK));
    const scan = await step(
      steps,
      "first pass: read, parse and validate every file",
      store,
      async () => scanTreeFiles(treeDir, await listTreeFiles(treeDir)),
    );
    store.readMs = 0;
    const plan = await step(
      steps,
      "plan: live read + parse again + diff",
      store,
      () => planByGroups(store, scan),
    );
    const live = steps.get("…of which the live read") ?? { ms: [], calls: [] };
    live.ms.push(store.readMs);
    live.calls.push(NaN);
    steps.set("…of which the live read", live);
    const after: StoreOp[] = await step(
      steps,
      "deployment index (plan)",
      store,
      () => deploymentIndexOpsOf(store, plan.deployments, commit),
    );
    await step(steps, "writes (tree changes + index, multi transactions)", store, async () => {
      const applied = await applyStoreOps(store, plan.changes.concat(after));
      store.calls += applied.transactions;
    });
    await step(steps, "bump /hosts version", store, async () => {
      store.calls += 1;
      await updateProperties(store, HOSTS_PATH, (p) => ({ ...p, version: commit })).catch(
        async () => await store.create(HOSTS_PATH, JSON.stringify({ version: commit })),
      );
    });
    await step(steps, "cluster lock (release)", store, async () => await lock?.release());
  } finally {
    await inner.close();
  }
}

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  return s[s.length >> 1];
}

const conditions = await machine();
const server = await startZooKeeper();
const work = await Deno.makeTempDir({ prefix: "clusterdeploy-profile-" });
try {
  const repo = await makeRepo(work);
  for (const [name, text] of generateTrees(shape)) await repo.write(name, text);
  await repo.commit("initial");
  for (let r = 0; r < rounds; r++) {
    const connect = `${server.connect}/p${r}`;
    const treeDir = `${work}/trees${r}`;
    await profiled(fresh, connect, repo.path, treeDir);
    await repo.commit(`nothing changed ${r}`);
    await profiled(unchanged, connect, repo.path, treeDir);
  }
  // Start-up: whole processes, interleaved.
  const root = new URL("../", import.meta.url).pathname;
  const empty = `${work}/empty.ts`;
  await Deno.writeTextFile(empty, "");
  const runLoad = `${work}/run_load.ts`;
  await Deno.writeTextFile(
    runLoad,
    `await import("${root}lib/sync/cli_run.ts");\n` +
      `await import("${root}lib/store/zookeeper/mod.ts");\n`,
  );
  const startCases: [string, string[]][] = [
    ["empty deno run", [empty]],
    ["sync.ts --help", [`${root}sync.ts`, "--help"]],
    ["loading what a ZooKeeper sync runs (cli_run + the client)", [runLoad]],
  ];
  const startMs = startCases.map(() => [] as number[]);
  for (let r = 0; r < 9; r++) {
    for (const [i, [, args]] of startCases.entries()) {
      const start = performance.now();
      await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--quiet", ...args],
        stdout: "null",
      })
        .output();
      startMs[i].push(performance.now() - start);
    }
  }
  console.log(
    `sync profile: ${nodeCount(shape)} nodes, medians of ${rounds}; ${conditions.summary}`,
  );
  console.log("| step | fresh | calls | unchanged | calls |");
  console.log("|---|---|---|---|---|");
  for (const [name, f] of fresh) {
    const u = unchanged.get(name)!;
    const calls = (c: number[]) => Number.isNaN(c[0]) ? "" : String(median(c));
    console.log(
      `| ${name} | ${(median(f.ms)).toFixed(0)} ms | ${calls(f.calls)} | ` +
        `${(median(u.ms)).toFixed(0)} ms | ${calls(u.calls)} |`,
    );
  }
  console.log("");
  console.log("| start-up (whole process) | median of 9 |");
  console.log("|---|---|");
  for (const [i, [label]] of startCases.entries()) {
    console.log(`| ${label} | ${(median(startMs[i])).toFixed(0)} ms |`);
  }
} finally {
  await server.close();
  await Deno.remove(work, { recursive: true });
}
