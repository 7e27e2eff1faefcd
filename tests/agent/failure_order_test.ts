/**
 * A failure stops the hosts queued behind it (issue 8, item 1): the failing host sets the
 * cluster version to None before it leaves the app lock, and a host that gets the lock reads the
 * version again and abandons. On a real ZooKeeper with agent processes, and in one process on
 * both stores for a host that waits on the lock while an operator stops the cluster.
 *
 * Covers: lib/store/recipe/lock.ts, lib/store/tree_io.ts, lib/store/types.ts,
 *   lib/store/zookeeper/mod.ts.
 */
import { deepEqual as assertEquals, equal } from "node:assert/strict";
import { acquireRecipeLock } from "../../lib/store/recipe/lock.ts";
import type { Lock, Store } from "../../lib/store/types.ts";
import { getProperties } from "../../lib/store/tree_io.ts";
import { connectZooKeeper } from "../../lib/store/zookeeper/mod.ts";
import { importTree, setClusterVersion } from "../support/harness/agent_cluster.ts";
import { makeSeedRoot } from "../support/harness/agent_fake_host.ts";
import { AgentBench } from "../support/harness/agent_harness.ts";
import { cmd, deploying, done, INITIAL_TREE, STEADY } from "../support/harness/agent_transcript.ts";
import { type AgentProcess, RealHost } from "../support/harness/agent_real_host.ts";
import { STORE_KINDS } from "../support/harness/stores.ts";
import { waitFor } from "../support/harness/wait.ts";
import { startZooKeeper } from "../support/servers/zookeeper.ts";

const options = { sanitizeOps: false, sanitizeResources: false };

/** A deploy script that records its run in `log` (shared by all hosts), then fails. */
function failingScript(log: string): string {
  return `#!/bin/sh
echo "run $1 $2" >>'${log}'
sleep 1
echo "the release is broken" >&2
exit 1
`;
}

Deno.test(
  "failure order: 3 agent processes, one broken app: the script runs once, the others abandon",
  options,
  async () => {
    const server = await startZooKeeper();
    const dir = await Deno.makeTempDir({ prefix: "agent-order-" });
    const store = await connectZooKeeper(server.connect);
    const agents: AgentProcess[] = [];
    try {
      const runs = `${dir}/runs.log`;
      const hosts: RealHost[] = [];
      for (const name of ["host-a", "host-b", "host-c"]) {
        const id = name.replace("host-", "0".repeat(11));
        hosts.push(
          await RealHost.make(dir, id, name, { broken: { "1.0": failingScript(runs) } }),
        );
      }
      await importTree(store, "/hosts\n  version = 1\n");
      for (const host of hosts) agents.push(host.spawnAgent(["--store", server.connect]));
      await waitFor(
        "three agents at version 1",
        async () =>
          (await Promise.all(hosts.map((h) => getProperties(store, `/hosts/${h.id}`))))
            .every((p) => p?.version === 1),
        30_000,
      );
      const deployTo = hosts.map((h) => `      /${h.name}\n`).join("");
      await importTree(
        store,
        `/app\n  /broken : broken\n    version = '1.0'\n    /deploy\n${deployTo}`,
      );
      await setClusterVersion(store, 2);

      const ended = (lines: string[]) =>
        lines.some((l) =>
          l === "CRITICAL FAILED deploying version 2" ||
          l === "WARNING Abandoning deployment because cluster version is None"
        );
      await waitFor(
        "every agent to fail or abandon",
        () => agents.every((a) => ended(a.lines)),
        30_000,
      );

      equal((await Deno.readTextFile(runs)).trim().split("\n").length, 1, "script runs");
      const failed = agents.filter((a) => a.lines.includes("CRITICAL FAILED deploying version 2"));
      const abandoned = agents.filter((a) =>
        a.lines.includes("WARNING Abandoning deployment because cluster version is None")
      );
      assertEquals([failed.length, abandoned.length], [1, 2]);
      for (const agent of abandoned) {
        equal(agent.lines.some((l) => l.includes("zookeeper-deploy")), false);
        equal(agent.lines.some((l) => l.startsWith("INFO Done deploying version 2")), false);
      }
      assertEquals(await getProperties(store, "/hosts"), { version: null });
      const nodes = await Promise.all(
        hosts.map((h) => getProperties(store, `/hosts/${h.id}`)),
      );
      assertEquals(nodes.map((n) => n?.version), [1, 1, 1]);
      assertEquals(nodes.filter((n) => n?.error !== undefined).length, 1);
    } finally {
      for (const agent of agents) await agent.stop();
      await store.close();
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

for (const kind of STORE_KINDS) {
  Deno.test(
    `failure order on ${kind.name}: a host waiting on the lock when the version goes to None runs nothing`,
    options,
    async () => {
      const fixture = await kind.make();
      const root = await makeSeedRoot();
      const bench = new AgentBench(await fixture.open(), root, await fixture.open());
      try {
        await bench.importTree("/hosts\n  version = 1\n");
        await Deno.remove(`${root}/etc/z4m`, { recursive: true });
        await Deno.remove(`${root}/etc/z4mmonitor`, { recursive: true });
        await Deno.remove(`${root}/opt`, { recursive: true });
        await Deno.mkdir(`${root}/opt`);
        await bench.start();
        bench.take();
        // An operator (another client) holds the app's lock.
        const operator = await fixture.open();
        const lock = await acquireRecipeLock(operator, "/agent-locks/app", {
          identifier: "operator",
        });
        await bench.importTree("/app : foo\n  version = '1'\n  /deploy\n    /424242424242\n");
        await setClusterVersion(bench.control, 2);
        await waitFor(
          "the agent to wait for the lock",
          () => bench.logger.lines.includes("INFO Waiting for /app: locked by operator"),
        );
        await setClusterVersion(bench.control, null);
        await lock.release();
        await waitFor(
          "the agent to abandon",
          () =>
            bench.logger.lines.includes(
              "WARNING Abandoning deployment because cluster version is None",
            ),
        );
        await bench.caughtUp();
        assertEquals(bench.take(), [
          ...deploying(
            2,
            "INFO DEBUG: got deployments",
            "INFO DEBUG: remove old deployments",
            "INFO DEBUG: update software",
          ).slice(0, 2),
          ...cmd("yum -y clean all"),
          ...cmd("yum -y install foo-1"),
          ...cmd("yum -q list installed foo"),
          "INFO Waiting for /app: locked by operator",
          "WARNING Abandoning deployment because cluster version is None",
        ]);
        assertEquals(await getProperties(bench.control, "/hosts/424242424242"), {
          name: "host42",
          version: 1,
        });
        // Resumed: it deploys.
        const resumed = await bench.setVersion(2);
        assertEquals(resumed.slice(-3), [
          ...cmd("/opt/foo/bin/zookeeper-deploy /app 0"),
          done(2),
        ]);
      } finally {
        await bench.close();
        await fixture.close();
        await Deno.remove(root, { recursive: true });
      }
    },
  );
}

/**
 * Runs `fn` with a bench on the embedded store, started at version 1 (its start taken), whose
 * agent was told to deploy version 2 and waits for the app lock of `/cust/someapp/cms` that an
 * operator holds; `fn` gets the bench, the operator's store and the operator's lock.
 */
async function withOperatorLock(
  fn: (bench: AgentBench, operator: Store, lock: Lock) => Promise<void>,
): Promise<void> {
  const fixture = await STORE_KINDS[1].make();
  const root = await makeSeedRoot();
  const bench = new AgentBench(await fixture.open(), root, await fixture.open());
  try {
    await bench.importTree(INITIAL_TREE);
    await bench.start();
    bench.take();
    const operator = await fixture.open();
    const lock = await acquireRecipeLock(operator, "/agent-locks/cust,someapp,cms", {
      identifier: "operator",
    });
    await setClusterVersion(bench.control, 2);
    await waitFor(
      "the agent to wait for the lock",
      () => bench.logger.lines.includes("INFO Waiting for /cust/someapp/cms: locked by operator"),
    );
    await fn(bench, operator, lock);
  } finally {
    await bench.close();
    await fixture.close();
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test(
  "failure order: a host that gets the lock after another version replaced its own abandons it",
  options,
  async () => {
    await withOperatorLock(async (bench, _operator, lock) => {
      await setClusterVersion(bench.control, 3);
      await lock.release();
      await waitFor("version 3 deployed", () => bench.logger.lines.includes(done(3)));
      await bench.caughtUp();
      const log = bench.take();
      const abandoned = log.indexOf(
        "WARNING Abandoning deployment because cluster version is now 3",
      );
      equal(abandoned > 0, true, log.join("\n"));
      // Nothing of version 2 ran; version 3 ran everything.
      equal(log.slice(0, abandoned).some((l) => l.includes("zookeeper-deploy")), false);
      assertEquals(log.slice(abandoned + 1), STEADY(3));
    });
  },
);

Deno.test(
  "failure order: an agent stopped while it waits for an app lock stops waiting",
  options,
  async () => {
    await withOperatorLock(async (bench, operator) => {
      // close() returns: the wait ends (a deadline, so that a broken close fails instead of hanging)
      let timer: ReturnType<typeof setTimeout> | undefined;
      const closed = await Promise.race([
        bench.close().then(() => true),
        new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), 10_000)),
      ]);
      clearTimeout(timer);
      equal(closed, true, "the agent did not stop while waiting for the lock");
      equal(
        bench.logger.lines.some((l) => l.includes("zookeeper-deploy /cust/someapp/cms")),
        false,
      );
      // Only the operator's contender is left.
      equal((await operator.get("/agent-locks/cust,someapp,cms"))?.children.length, 1);
      assertEquals(await getProperties(operator, "/hosts"), { version: 2 });
    });
  },
);
