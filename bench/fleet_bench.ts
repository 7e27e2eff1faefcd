/**
 * Fleet benchmark: what one version bump costs a fleet of agents, with the deployment index and
 * with the walk (index disabled) for comparison.
 *
 * Starts a real ZooKeeper (four-letter words `mntr` enabled, `maxClientCnxns=0`), syncs a
 * generated tree every agent can deploy (C customers × A apps × H hosts, host ids
 * `host0 … host<N-1>`), starts N agents in this process (each with its own ZooKeeper session, its
 * own root directory and a fake command runner: no real processes), lets them converge, then
 * syncs a commit that changes every app's version and reports:
 *
 * - the time from the version write until every `/hosts/<id>` shows the new version;
 * - ZooKeeper requests, bytes the server received and bytes it sent, per agent, from the
 *   server's `mntr` counters between the version write and convergence (the window also holds
 *   sync's own last 2–3 requests: the version write and the lock release);
 * - agent CPU per bump: this process's CPU time over that window, divided by N (it includes
 *   the fake commands and the agents' file work).
 *
 * Then every agent but host0 leaves and host0 takes five more bumps alone, sync held after its
 * version write until host0 has converged; printed apart (medians): the requests from the
 * version write to host0's first command (learning its deployments: the index, or the walk), the
 * store calls and the CPU from the watch's notification to that command, and the requests of its
 * deploy scripts (app locks, `/hosts` re-reads, the host node) per script.
 *
 * With `--max-parallel N` (issue 18) every app gets the rollout policy `max_parallel = N` and a
 * health check that passes at once (`health_url` on a loopback server in this process answering
 * 200, `min_healthy_time = 0`), so the slot is held through one GET.
 *
 * Run: `deno task bench:fleet [AGENTS] [C A H] [--index|--walk] [--max-parallel N]` (default 100
 * agents, 50 × 10 × 3, both modes). Not a test: figures depend on the machine and its load,
 * printed with them.
 *
 * @module
 */
import { Agent } from "../lib/agent/agent.ts";
import { TreeWalkSource } from "../lib/agent/desired.ts";
import { YumPackageManager } from "../lib/agent/packages/yum.ts";
import { createLogger, memoryLogger } from "../lib/log.ts";
import { RealRunner } from "../lib/proc/real.ts";
import type { Runner, RunOptions, RunResult } from "../lib/proc/types.ts";
import type {
  EphemeralHandle,
  Store,
  StoredNode,
  StoreOp,
  WatchOptions,
} from "../lib/store/types.ts";
import { connectZooKeeper } from "../lib/store/zookeeper/mod.ts";
import { syncRepository } from "../lib/sync/sync.ts";
import { fakeHostRunner, writeFiles } from "../tests/support/harness/agent_fake_host.ts";
import { CountingStore } from "../tests/support/harness/counting_store.ts";
import { makeRepo, type TestRepo } from "../tests/support/harness/git_repo.ts";
import { startZooKeeper, type ZooKeeperServer } from "../tests/support/servers/zookeeper.ts";
import { generateTrees, nodeCount } from "./tree_gen.ts";
import { decodeProperties } from "../lib/tree/codec.ts";
import { cpuMs, machine, mntr } from "./conditions.ts";

const maxParallelAt = Deno.args.indexOf("--max-parallel");
const maxParallel = maxParallelAt < 0 ? null : Number(Deno.args[maxParallelAt + 1]);
if (maxParallel !== null && !(Number.isInteger(maxParallel) && maxParallel >= 1)) {
  console.error("--max-parallel needs a whole number ≥ 1");
  Deno.exit(2);
}
const positional = Deno.args.filter((a, i) =>
  !a.startsWith("--") && (maxParallelAt < 0 || i !== maxParallelAt + 1)
);
const [agentsArg = "100", c = "50", a = "10", h = "3"] = positional;
const agents = Number(agentsArg);
const shape = { customers: +c, apps: +a, hosts: +h };
const modes = Deno.args.includes("--walk")
  ? ["walk"]
  : Deno.args.includes("--index")
  ? ["index"]
  : ["index", "walk"];

/**
 * A store that tells when its ephemeral host node was last written, and with what; and when the
 * agent is told of a new `/hosts` value (`onNotify`, called before the agent's own callback).
 */
class HostNodeStore extends CountingStore {
  readonly #onWrite: (data: string) => void;
  /** Called when the `/hosts` watch delivers a value, before the agent sees it. */
  onNotify: () => void = () => {};
  constructor(inner: Store, onWrite: (data: string) => void) {
    super(inner);
    this.#onWrite = onWrite;
  }
  override watch(
    path: string,
    onChange: (node: StoredNode | null) => void,
    options?: WatchOptions,
  ): () => void {
    if (path !== "/hosts") return super.watch(path, onChange, options);
    return super.watch(path, (node) => {
      this.onNotify();
      onChange(node);
    }, options);
  }
  override async ephemeral(path: string, data: string): Promise<EphemeralHandle> {
    const handle = await super.ephemeral(path, data);
    return {
      path: handle.path,
      update: async (next) => {
        await handle.update(next);
        this.#onWrite(next);
      },
      remove: () => handle.remove(),
    };
  }
}

/**
 * A store whose write of `/hosts` (sync's version bump, with its rollout record) awaits `before` first and `after` once
 * written (sync goes on only then).
 */
class BumpStore extends CountingStore {
  constructor(
    inner: Store,
    readonly before: () => Promise<void>,
    readonly after: () => void | Promise<void>,
  ) {
    super(inner);
  }
  override async set(path: string, data: string, version?: number): Promise<void> {
    if (path === "/hosts") await this.before();
    await super.set(path, data, version);
    if (path === "/hosts") await this.after();
  }
  /** The bump is a multi (the version set with its rollout record). */
  override async multi(ops: readonly StoreOp[]): Promise<void> {
    const bump = ops.some((op) => op.op !== "check" && op.path === "/hosts");
    if (bump) await this.before();
    await super.multi(ops);
    if (bump) await this.after();
  }
}

/** A runner that calls `onFirst` (and awaits it) before the first command it is given. */
class FirstCommandRunner implements Runner {
  #first = true;
  constructor(readonly inner: Runner, readonly onFirst: () => Promise<void>) {}
  async run(argv: string[], options?: RunOptions): Promise<RunResult> {
    if (this.#first) {
      this.#first = false;
      await this.onFirst();
    }
    return this.inner.run(argv, options);
  }
  /** The next command counts as the first again. */
  rearm(): void {
    this.#first = true;
  }
}

interface Row {
  mode: string;
  treeReads: number;
  startup: number;
  converge: number;
  requests: number;
  received: number;
  sent: number;
  cpu: number;
  solo: Solo;
}

/** One agent alone, bumps measured one by one (medians). */
interface Solo {
  /** ZooKeeper requests from the version write to the agent's first command, less the write. */
  learn: number;
  /** Of which store calls the agent made after the watch delivered the version. */
  learnCalls: number;
  /** Agent CPU from the watch's notification to its first command, ms. */
  learnCpu: number;
  /** ZooKeeper requests from the first command until the host node shows the version. */
  rest: number;
  /** Deploy scripts run in that bump. */
  deploys: number;
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const SOLO_BUMPS = 5;

async function sync(server: ZooKeeperServer, repo: TestRepo, work: string, wrap = (s: Store) => s) {
  const store = wrap(await connectZooKeeper(server.connect));
  try {
    const log = memoryLogger();
    const result = await syncRepository({
      store,
      runner: new RealRunner(),
      log,
      repoUrl: repo.path,
      treeDir: `${work}/trees`,
    });
    if (result.status !== "synced") throw new Error(`sync: ${log.lines.join("\n")}`);
    return result.commit!;
  } finally {
    await store.close();
  }
}

async function inBatches<T>(count: number, size: number, fn: (i: number) => Promise<T>) {
  const out: T[] = [];
  for (let i = 0; i < count; i += size) {
    out.push(
      ...await Promise.all(Array.from({ length: Math.min(size, count - i) }, (_, j) => fn(i + j))),
    );
  }
  return out;
}

/** The first problems agents logged (warnings and worse), to show when a run goes wrong. */
const problems: string[] = [];
let stopped = false;

/** A logger that keeps nothing but the agents' problems (and notices ALL STOP). */
const agentLogger = (i: number) =>
  createLogger({
    sink: (line) => {
      if (line.startsWith("CRITICAL")) stopped = true;
      if (/^(WARNING|ERROR|CRITICAL|[A-Za-z]*Error:)/.test(line) && problems.length < 20) {
        problems.push(`host${i}: ${line}`);
        console.error(`host${i}: ${line}`);
      }
    },
  });

async function waitUntil(what: string, done: () => boolean, timeoutMs = 600_000) {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (stopped) throw new Error(`an agent failed (ALL STOP) while waiting for ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Paths that are not the tree: the host nodes, the per-app locks and rollouts. */
const NOT_TREE = /^\/(hosts|agent-locks|agent-rollouts)(\/|$)/;

/** The health endpoint of `--max-parallel`: a loopback server that answers 200 at once. */
let healthChecks = 0;
const health = maxParallel === null ? null : Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: () => {} },
  () => {
    healthChecks++;
    return new Response("ok");
  },
);
const appProperties = maxParallel === null ? [] : [
  `max_parallel = ${maxParallel}`,
  `health_url = 'http://127.0.0.1:${health!.addr.port}/health'`,
  "min_healthy_time = 0",
];

/** What {@linkcode soloBumps} needs of the fleet run. */
interface SoloParts {
  store: HostNodeStore;
  runner: () => FirstCommandRunner;
  setOnFirst: (fn: () => Promise<void>) => void;
  deploys: () => number;
  shows: (version: string) => boolean;
  others: () => Promise<void>;
  write: (revision: number) => Promise<void>;
}

/**
 * host0 alone (the others closed), SOLO_BUMPS bumps one after another. Sync is held right after
 * its version write until host0 has converged, so the server's counters between the write and
 * host0's first command are host0's requests to learn its deployments (and the write), and those
 * from the first command until its host node shows the version are the rest of its bump (app
 * locks, `/hosts` re-reads, the host node). The agent's CPU from the watch's notification to its
 * first command is this process's CPU then: nothing else runs in it.
 */
async function soloBumps(
  server: ZooKeeperServer,
  repo: TestRepo,
  work: string,
  parts: SoloParts,
): Promise<Solo> {
  await parts.others();
  console.error("fleet: the others closed; host0 alone");
  const rows: Solo[] = [];
  for (let k = 0; k < SOLO_BUMPS; k++) {
    await parts.write(2 + k);
    const version = await repo.commit(`solo bump ${k}`);
    let m0 = 0, m1 = 0, calls0 = 0, calls1 = 0, cpuN = 0, cpuF = 0;
    let firstSeen = false;
    const deploys0 = parts.deploys();
    parts.store.onNotify = () => {
      if (firstSeen) return;
      cpuN = cpuMs();
      calls0 = parts.store.reads.length;
    };
    parts.runner().rearm();
    parts.setOnFirst(async () => {
      cpuF = cpuMs();
      calls1 = parts.store.reads.length;
      firstSeen = true;
      m1 = (await mntr(server.port)).zk_packets_received;
    });
    let m2 = 0;
    await sync(server, repo, work, (s) =>
      new BumpStore(s, async () => {
        m0 = (await mntr(server.port)).zk_packets_received;
      }, async () => {
        await waitUntil(`host0 to deploy ${version}`, () => parts.shows(version));
        m2 = (await mntr(server.port)).zk_packets_received;
      }));
    // Each mntr connection counts as one packet received; the version write is one request.
    rows.push({
      learn: m1 - m0 - 1 - 1,
      learnCalls: calls1 - calls0,
      learnCpu: cpuF - cpuN,
      rest: m2 - m1 - 1,
      deploys: parts.deploys() - deploys0,
    });
  }
  const pick = (key: keyof Solo) => median(rows.map((r) => r[key]));
  return {
    learn: pick("learn"),
    learnCalls: pick("learnCalls"),
    learnCpu: pick("learnCpu"),
    rest: pick("rest"),
    deploys: pick("deploys"),
  };
}

async function run(mode: string): Promise<Row> {
  const server = await startZooKeeper({
    config: ["4lw.commands.whitelist=srvr,mntr,ruok,cons", "maxSessionTimeout=120000"],
    maxHeap: "1g",
  });
  const work = await Deno.makeTempDir({ prefix: "clusterdeploy-fleet-" });
  const running: Agent[] = [];
  const stores: HostNodeStore[] = [];
  try {
    const repo = await makeRepo(work);
    const write = async (revision: number) => {
      const trees = generateTrees(shape, revision, {
        deployable: true,
        pool: agents,
        appProperties,
      });
      for (const [name, text] of trees) await repo.write(name, text);
    };
    await write(0);
    await repo.commit("c1");
    const first = await sync(server, repo, work);

    // N agents, each with its own session and root; they deploy the first version on start.
    let firstRunner: FirstCommandRunner | undefined;
    let deploys = 0;
    let onFirst = () => Promise.resolve();
    const published = new Array<string>(agents).fill("");
    const at = new Array<number>(agents).fill(0);
    let hostStore0: HostNodeStore | undefined;
    let hostAgent0: Agent | undefined;
    const t0 = performance.now();
    await inBatches(agents, 25, async (i) => {
      const root = `${work}/hosts/host${i}`;
      await writeFiles(root, { "etc/zmh/pxemac": `host${i}\n` });
      const store = new HostNodeStore(
        await connectZooKeeper(server.connect, { sessionTimeoutMs: 60_000 }),
        (data) => {
          published[i] = data;
          at[i] = performance.now();
        },
      );
      stores.push(store);
      if (i === 0) hostStore0 = store;
      const agent = await Agent.start({
        store,
        runner: i === 0
          ? (firstRunner = new FirstCommandRunner(
            fakeHostRunner(root, (line) => {
              if (line.includes("zookeeper-deploy")) deploys++;
            }),
            () => onFirst(),
          ))
          : fakeHostRunner(root, () => {}),
        logger: agentLogger(i),
        root,
        hostName: `name${i}`,
        packages: new YumPackageManager(),
        source: mode === "walk" ? new TreeWalkSource(store) : undefined,
      });
      running.push(agent);
      if (i === 0) hostAgent0 = agent;
      agent.watch();
    });
    // The host node's own version (its `rollout` property names the version being deployed).
    const shows = (version: string) => (i: number) =>
      published[i].includes(`"${version}"`) && decodeProperties(published[i]).version === version;
    const all = (version: string) => published.every((_, i) => shows(version)(i));
    await waitUntil("the fleet to deploy the first version", () => all(first));
    const startup = (Math.max(...at) - t0) / 1000;

    // The measured bump: every app gets a new version.
    await write(1);
    const second = await repo.commit("c2: every app's version");
    let before: Record<string, number> = {};
    let cpu0 = 0;
    let bumped = 0;
    for (const store of stores) store.reset();
    await sync(server, repo, work, (s) =>
      new BumpStore(s, async () => {
        before = await mntr(server.port);
        cpu0 = cpuMs();
      }, () => {
        bumped = performance.now();
      }));
    await waitUntil("the fleet to deploy the bump", () => all(second));
    console.error(`fleet: ${mode}: the bump converged`);
    const converge = (Math.max(...at) - bumped) / 1000;
    const cpu = cpuMs() - cpu0;
    const after = await mntr(server.port);
    const delta = (key: string) => (after[key] - before[key]) / agents;
    // Read requests for the tree itself (not /hosts, not the app locks), as the client sends them.
    const treeReads = stores.reduce(
      (sum, store) =>
        sum + store.reads.filter((paths) => paths.some((p) => !NOT_TREE.test(p)))
          .reduce((n, paths) => n + Math.max(1, Math.ceil(paths.length / 500)), 0),
      0,
    ) / agents;
    const solo = await soloBumps(server, repo, work, {
      store: hostStore0!,
      runner: () => firstRunner!,
      setOnFirst: (fn) => onFirst = fn,
      deploys: () => deploys,
      shows: (version) => shows(version)(0),
      others: async () => {
        // Everyone but host0 leaves (their host nodes go with their sessions).
        const agent0 = running.splice(running.indexOf(hostAgent0!), 1)[0];
        const store0 = stores.splice(stores.indexOf(hostStore0!), 1)[0];
        await inBatches(running.length, 100, (i) => running[i].close().catch(() => {}));
        await inBatches(stores.length, 100, (i) => stores[i].close().catch(() => {}));
        running.length = 0;
        stores.length = 0;
        running.push(agent0);
        stores.push(store0);
      },
      write,
    });
    return {
      mode,
      solo,
      treeReads,
      startup,
      converge,
      requests: delta("zk_packets_received"),
      received: delta("zk_bytes_received_count"),
      sent: delta("zk_response_bytes"),
      cpu: cpu / agents,
    };
  } finally {
    await inBatches(running.length, 100, (i) => running[i].close().catch(() => {}));
    await inBatches(stores.length, 100, (i) => stores[i].close().catch(() => {}));
    await server.close();
    await Deno.remove(work, { recursive: true });
  }
}

const conditions = await machine();
const rows: Row[] = [];
for (const mode of modes) rows.push(await run(mode));
const after = await machine();

await health?.shutdown();
console.log(
  `fleet: ${agents} agents, tree ${shape.customers} × ${shape.apps} × ${shape.hosts} ≈ ` +
    `${nodeCount(shape)} nodes (every app's version changes in the bump)` +
    (maxParallel === null
      ? ""
      : `; every app max_parallel = ${maxParallel}, health_url answering 200 (${healthChecks} GETs)`),
);
console.log(`conditions: ${conditions.summary}; load after ${after.load}`);
console.log(
  "| source | start-up converge | bump converge | requests/agent | tree reads/agent | " +
    "bytes to server/agent | bytes from server/agent | CPU ms/agent |",
);
console.log("|---|---|---|---|---|---|---|---|");
for (const r of rows) {
  console.log(
    `| ${r.mode} | ${r.startup.toFixed(1)} s | ${r.converge.toFixed(2)} s | ` +
      `${r.requests.toFixed(1)} | ${r.treeReads.toFixed(1)} | ${r.received.toFixed(0)} | ` +
      `${r.sent.toFixed(0)} | ` +
      `${r.cpu.toFixed(1)} |`,
  );
}
console.log(
  `\nhost0 alone (the other agents closed), medians of ${SOLO_BUMPS} bumps; sync held after its ` +
    "version write until host0 converged, so the server's counters are host0's alone:",
);
console.log(
  "| source | requests to learn its deployments | of which store calls after the notification | " +
    "CPU notification → first command | deploy scripts | requests after the first command | " +
    "per deploy script |",
);
console.log("|---|---|---|---|---|---|---|");
for (const { mode, solo: s } of rows) {
  console.log(
    `| ${mode} | ${s.learn} | ${s.learnCalls} | ${s.learnCpu.toFixed(1)} ms | ${s.deploys} | ` +
      `${s.rest} | ${s.deploys ? (s.rest / s.deploys).toFixed(1) : "-"} |`,
  );
}
