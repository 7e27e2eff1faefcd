/**
 * The agent against a real ZooKeeper that goes away: the server stops and restarts while the
 * agent waits, and the agent's session expires behind a network partition. In both cases a
 * bump made during or after the outage is deployed exactly once and `/hosts/<id>` is back.
 *
 * Covers: lib/store/tree_io.ts.
 */
import { deepEqual as assertEquals } from "node:assert/strict";
import { getProperties } from "../../lib/store/tree_io.ts";
import { setClusterVersion } from "../support/harness/agent_cluster.ts";
import { HOST_ID } from "../support/harness/agent_fake_host.ts";
import { INITIAL_TREE, STEADY } from "../support/harness/agent_transcript.ts";
import { waitFor } from "../support/harness/wait.ts";
import { startZkBench } from "../support/harness/agent_zk_bench.ts";

const HOST = `/hosts/${HOST_ID}`;

Deno.test("agent faults: the server stops and restarts while the agent waits", async () => {
  const zk = await startZkBench({ sessionTimeoutMs: 20_000 });
  const { server, store, states, bench } = zk;
  try {
    await bench.importTree(INITIAL_TREE);
    await bench.start();
    assertEquals(bench.take(), ["INFO Agent starting, cluster 1, host 1"]);

    await server.stop();
    await waitFor("the agent to notice the outage", () => states.includes("disconnected"));
    await server.start();
    assertEquals(await bench.setVersion(2), STEADY(2));
    assertEquals(await getProperties(store, HOST), { name: "host42", version: 2 });

    await server.stop();
    await server.start();
    await waitFor("the agent to reconnect", () => states.at(-1) === "connected");
    assertEquals(await bench.setVersion(3), STEADY(3));
    await bench.caughtUp();
    assertEquals(bench.take(), []);
    assertEquals(await getProperties(store, HOST), { name: "host42", version: 3 });
  } finally {
    await zk.close();
  }
});

Deno.test("agent faults: a bump during a partition that expires the session", async () => {
  const zk = await startZkBench({ sessionTimeoutMs: 1_000, proxy: true });
  const { proxy, control, states, bench } = zk;
  try {
    await bench.importTree(INITIAL_TREE);
    await bench.start();
    assertEquals(bench.take(), ["INFO Agent starting, cluster 1, host 1"]);

    proxy.pause();
    await setClusterVersion(control, 2);
    await waitFor("the session to expire", async () => await control.get(HOST) === null);
    proxy.resume();
    await waitFor("the agent to see the expiry", () => states.includes("expired"));
    await waitFor(
      "the host node back at version 2",
      async () => (await getProperties(control, HOST))?.version === 2,
    );
    await bench.caughtUp();
    assertEquals(bench.take(), STEADY(2));
    assertEquals(await getProperties(control, HOST), { name: "host42", version: 2 });
    assertEquals((await control.get(HOST))?.ephemeral, true);

    assertEquals(await bench.setVersion(3), STEADY(3));
    assertEquals(await getProperties(control, HOST), { name: "host42", version: 3 });
  } finally {
    await zk.close();
  }
});
