/**
 * A fleet for the progressive-rollout tests (issue 18): a real ZooKeeper, `count` real hosts
 * (simulated yum, real shell scripts) and their agent processes, every host's deploy script
 * logging when it starts and ends to one shared file; then the app deployed to all of them.
 *
 * @module
 */
import type { Store } from "../../../lib/store/types.ts";
import { getProperties } from "../../../lib/store/tree_io.ts";
import { connectZooKeeper } from "../../../lib/store/zookeeper/mod.ts";
import { importTree, setClusterVersion } from "./agent_cluster.ts";
import { type AgentProcess, RealHost } from "./agent_real_host.ts";
import { waitFor } from "./wait.ts";
import { startZooKeeper, type ZooKeeperServer } from "../servers/zookeeper.ts";

/** One line of the shared script log. */
export interface ScriptEvent {
  /** `start` or `end`. */
  what: "start" | "end";
  /** The host name. */
  host: string;
  /** When, in milliseconds since the epoch. */
  at: number;
}

/**
 * A deploy script that logs `start <host> <ms>`, sleeps `seconds`, logs `end <host> <ms>` to
 * `log`; it exits `code`.
 */
export function timedScript(log: string, seconds: number, code = 0): string {
  return `#!/bin/sh
host="\${TEST_ROOT##*/}"
echo "start $host $(date +%s%3N)" >>'${log}'
sleep ${seconds}
echo "end $host $(date +%s%3N)" >>'${log}'
exit ${code}
`;
}

/** A running fleet. */
export interface RolloutFleet {
  /** The server. */
  server: ZooKeeperServer;
  /** The test's own store connection. */
  store: Store;
  /** The hosts, `host-1` … */
  hosts: RealHost[];
  /** Their agents. */
  agents: AgentProcess[];
  /** The shared script log file. */
  log: string;
  /** The temp directory. */
  dir: string;
  /** The script log so far. */
  events(): Promise<ScriptEvent[]>;
  /** Deploys `/app/svc : app` with `policy` lines (tree text) to every host, at `version`. */
  deploy(policy: string, version?: number): Promise<void>;
}

/**
 * Runs `fn` with a fleet of `count` hosts whose package `app` 1.0 is `bin` (made from the log
 * path), all agents at version 1; stops everything afterwards.
 */
export async function withRolloutFleet(
  count: number,
  bin: (log: string) => Record<string, string>,
  fn: (fleet: RolloutFleet) => Promise<void>,
  prepare?: (fleet: Omit<RolloutFleet, "agents" | "hosts">) => Promise<void>,
): Promise<void> {
  const server = await startZooKeeper();
  const dir = await Deno.makeTempDir({ prefix: "agent-rollout-" });
  const store = await connectZooKeeper(server.connect);
  const agents: AgentProcess[] = [];
  const log = `${dir}/scripts.log`;
  const events = async () =>
    (await Deno.readTextFile(log).catch(() => "")).split("\n").filter((l) => l !== "").map(
      (line) => {
        const [what, host, at] = line.split(" ");
        return { what: what as "start" | "end", host, at: Number(at) };
      },
    );
  const deploy = async (policy: string, version = 2) => {
    const to = hosts.map((h) => `      /${h.name}\n`).join("");
    const lines = policy.trim() === "" ? "" : policy.trim().split("\n").map((l) => `    ${l}\n`)
      .join("");
    await importTree(store, `/app\n  /svc : app\n    version = '1.0'\n${lines}    /deploy\n${to}`);
    await setClusterVersion(store, version);
  };
  const hosts: RealHost[] = [];
  try {
    await importTree(store, "/hosts\n  version = 1\n");
    await prepare?.({ server, store, log, dir, events, deploy });
    for (let i = 1; i <= count; i++) {
      const id = String(i).padStart(12, "0");
      hosts.push(await RealHost.make(dir, id, `host-${i}`, { app: { "1.0": bin(log) } }));
    }
    for (const host of hosts) agents.push(host.spawnAgent(["--store", server.connect]));
    await waitFor(
      "every agent at version 1",
      async () =>
        (await Promise.all(hosts.map((h) => getProperties(store, `/hosts/${h.id}`))))
          .every((p) => p?.version === 1),
      60_000,
    );
    await fn({ server, store, hosts, agents, log, dir, events, deploy });
  } finally {
    await Promise.all(agents.map((a) => a.stop()));
    await store.close();
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** The largest number of scripts running at once in `events`. */
export function maxOverlap(events: readonly ScriptEvent[]): number {
  const sorted = [...events].sort((a, b) => a.at - b.at || (a.what === "end" ? -1 : 1));
  let running = 0;
  let most = 0;
  for (const e of sorted) {
    running += e.what === "start" ? 1 : -1;
    most = Math.max(most, running);
  }
  return most;
}

/** Every host's node version. */
export async function hostVersions(fleet: RolloutFleet): Promise<unknown[]> {
  return await Promise.all(
    fleet.hosts.map(async (h) => (await getProperties(fleet.store, `/hosts/${h.id}`))?.version),
  );
}
