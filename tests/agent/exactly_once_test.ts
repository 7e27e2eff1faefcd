/**
 * Exactly once through ZooKeeper faults (issue 8 item 4, issue 9 item 7): a deploy script that
 * completed is never run again for the same version — not when the server is frozen (SIGSTOP)
 * while the script ends and the session expires behind it, so that the app lock's release fails
 * for the connection; nor when a lost connection makes the agent retry the version (the scripts
 * it already ran are skipped). And an expiry while a script runs is reported: the app lock went
 * with it.
 *
 * Covers: lib/store/embedded/mod.ts, lib/store/tree_io.ts, lib/store/types.ts.
 */
import { deepEqual as assertEquals, equal } from "node:assert/strict";
import { getProperties } from "../../lib/store/tree_io.ts";
import { openLocalStore } from "../../lib/store/embedded/mod.ts";
import { type Store, StoreError } from "../../lib/store/types.ts";
import { setClusterVersion } from "../support/harness/agent_cluster.ts";
import { HOST_ID, makeSeedRoot } from "../support/harness/agent_fake_host.ts";
import { AgentBench } from "../support/harness/agent_harness.ts";
import { INITIAL_TREE, STEADY } from "../support/harness/agent_transcript.ts";
import { sleep, waitFor } from "../support/harness/wait.ts";
import { startZkBench, type ZkBench } from "../support/harness/agent_zk_bench.ts";

const options = { sanitizeOps: false, sanitizeResources: false };
const HOST = `/hosts/${HOST_ID}`;
const CMS = "/cust/someapp/cms";

/**
 * Makes the bench's deploy script of `/cust/someapp/cms` count its runs and stay running (after
 * saying it started) until `release()`.
 */
function heldScript(bench: AgentBench) {
  const runs: string[] = [];
  let holding = true;
  bench.runner.on(
    (argv) => argv[0].endsWith("/bin/zookeeper-deploy") && argv[1] === CMS,
    async (argv) => {
      runs.push(argv.slice(1).join(" "));
      bench.logger.lines.push(`z4m/bin/zookeeper-deploy ${argv.slice(1).join(" ")}`); // as the fake
      while (holding) await sleep(20);
      return {};
    },
  );
  return { runs, release: () => void (holding = false) };
}

/**
 * Starts the agent at version 1 (its start taken), bumps the cluster to version 2 and waits
 * until the held script of `/cust/someapp/cms` runs.
 */
async function deployUntilHeld(zk: ZkBench, runs: string[]): Promise<void> {
  await zk.bench.importTree(INITIAL_TREE);
  await zk.bench.start();
  zk.bench.take();
  await setClusterVersion(zk.control, 2);
  await waitFor("the script to start", () => runs.length === 1);
}

Deno.test(
  "exactly once: the server frozen (SIGSTOP) past the session timeout as a script ends",
  options,
  async () => {
    // Session timeout 3 s; the server is frozen 6 s: on resume it expires the session, and the
    // app lock's release, sent to the frozen server, fails with a lost connection.
    const zk = await startZkBench({ sessionTimeoutMs: 3_000 });
    const { server, store, bench } = zk;
    const { runs, release } = heldScript(bench);
    try {
      await deployUntilHeld(zk, runs);
      server.pause();
      release(); // the script ends while the server is frozen
      await sleep(6_000);
      server.resume();
      await waitFor(
        "the host at version 2",
        // (reads may fail while the connection comes back)
        () => getProperties(store, HOST).then((p) => p?.version === 2, () => false),
        30_000,
      );
      await bench.caughtUp();
      equal(runs.length, 1, `runs: ${runs.join(", ")}`);
      const log = bench.take();
      equal(log.filter((l) => l.startsWith("INFO Deploying version")).length, 1, log.join("\n"));
      equal(log.at(-1), "INFO Done deploying version 2");

      // The next bump runs it once more: two bumps, two runs.
      assertEquals(await bench.setVersion(3), STEADY(3));
      equal(runs.length, 2);
      assertEquals(await getProperties(store, "/agent-locks/cust,someapp,cms"), {});
      equal((await store.get("/agent-locks/cust,someapp,cms"))?.children.length, 0);
    } finally {
      release();
      server.resume();
      await zk.close();
    }
  },
);

Deno.test(
  "exactly once: a session that expires while a script runs is reported, the script not rerun",
  options,
  async () => {
    const zk = await startZkBench({ sessionTimeoutMs: 1_000, proxy: true });
    const { proxy, control, bench } = zk;
    const { runs, release } = heldScript(bench);
    try {
      await deployUntilHeld(zk, runs);
      proxy.pause();
      await waitFor("the session to expire", async () => await control.get(HOST) === null);
      proxy.resume();
      const warning =
        `WARNING Session expired while deploying ${CMS}; another host may deploy it now`;
      await waitFor("the warning", () => bench.logger.lines.includes(warning));
      release();
      await waitFor(
        "the host at version 2",
        async () => (await getProperties(control, HOST))?.version === 2,
      );
      await bench.caughtUp();
      equal(runs.length, 1);
      const log = bench.take();
      equal(log.filter((l) => l === warning).length, 1);
      equal(log.at(-1), "INFO Done deploying version 2");
    } finally {
      release();
      await zk.close();
    }
  },
);

Deno.test(
  "exactly once: a version retried after a lost connection skips the scripts it already ran",
  options,
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "agent-once-" });
    const root = await makeSeedRoot();
    const inner = await openLocalStore(`${dir}/tree.json`);
    let armed = false;
    // The agent's store: its next read of /hosts fails for the connection once `armed`.
    const store = new Proxy(inner, {
      get(target, prop) {
        if (prop === "get") {
          return (path: string) => {
            if (armed && path === "/hosts") {
              armed = false;
              return Promise.reject(new StoreError("CONNECTION", "connection lost", path));
            }
            return target.get(path);
          };
        }
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    }) as Store;
    const bench = new AgentBench(store, root, inner); // the test itself reads past the proxy
    const runs: string[] = [];
    bench.runner.on(
      (argv) => argv[0].endsWith("/bin/zookeeper-deploy") && argv[1] !== "-u",
      (argv) => {
        runs.push(argv.slice(1).join(" "));
        bench.logger.lines.push(
          `${argv[0].split("/").at(-3)}/bin/zookeeper-deploy ${argv.slice(1).join(" ")}`,
        );
        if (runs.length === 2) armed = true; // the lock re-check before the third script fails
        return {};
      },
    );
    try {
      await bench.importTree(INITIAL_TREE);
      await bench.start();
      bench.take();
      await setClusterVersion(store, 2);
      await waitFor(
        "version 2 deployed",
        () => bench.logger.lines.includes("INFO Done deploying version 2"),
      );
      await bench.caughtUp();
      assertEquals(runs, [
        "/cust/someapp/cms 0",
        "/cust/someapp/monitor 0",
        "/cust2/someapp/cms 0",
      ]);
      const log = bench.take();
      equal(
        log.filter((l) => l.startsWith("WARNING Lost the connection while deploying")).length,
        1,
        log.join("\n"),
      );
      const retry = log.lastIndexOf("INFO Deploying version 2");
      assertEquals(
        log.slice(retry).filter((l) =>
          l.includes("zookeeper-deploy") || l.startsWith("INFO Already")
        ),
        [
          "INFO Already deployed /cust/someapp/cms 0 for this version; not running it again",
          "INFO Already deployed /cust/someapp/monitor 0 for this version; not running it again",
          "INFO /opt/z4m/bin/zookeeper-deploy /cust2/someapp/cms 0",
          "z4m/bin/zookeeper-deploy /cust2/someapp/cms 0",
        ],
      );
    } finally {
      await bench.close();
      await inner.close();
      await Deno.remove(root, { recursive: true });
      await Deno.remove(dir, { recursive: true });
    }
  },
);
