/**
 * A failed version is never deployed twice: when the ALL STOP write itself fails (the store
 * connection is gone), a reconnect retries the write, not the deployment; a later change of
 * `/hosts` deploys again.
 *
 * Covers: lib/store/delegating.ts, lib/store/embedded/mod.ts, lib/store/tree_io.ts,
 *   lib/store/types.ts.
 */
import { deepEqual as assertEquals } from "node:assert/strict";
import { openLocalStore } from "../../lib/store/embedded/mod.ts";
import { getProperties } from "../../lib/store/tree_io.ts";
import { DelegatingStore } from "../../lib/store/delegating.ts";
import { type SessionState, StoreError } from "../../lib/store/types.ts";
import { AgentBench } from "../support/harness/agent_harness.ts";
import { makeSeedRoot } from "../support/harness/agent_fake_host.ts";
import { deploying, failed, INITIAL_TREE, STEADY } from "../support/harness/agent_transcript.ts";
import { waitFor } from "../support/harness/wait.ts";

/** A store whose writes to `/hosts` fail while `failing`, and whose state events a test fires. */
class FlakyStore extends DelegatingStore {
  failing = false;
  readonly #listeners = new Set<(state: SessionState) => void>();
  override get description() {
    return `flaky ${this.inner.description}`;
  }
  fire(state: SessionState) {
    for (const listener of this.#listeners) listener(state);
  }
  override onState(listener: (state: SessionState) => void) {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }
  override set(path: string, data: string, version?: number) {
    if (this.failing && path === "/hosts") {
      return Promise.reject(new StoreError("CONNECTION", "connection lost", path));
    }
    return this.inner.set(path, data, version);
  }
  override close() {
    return Promise.resolve();
  }
}

Deno.test("agent: a failed version is not redeployed when only the connection comes back", async () => {
  const root = await makeSeedRoot();
  const dir = await Deno.makeTempDir({ prefix: "agent-store-" });
  const inner = await openLocalStore(`${dir}/tree.json`);
  const flaky = new FlakyStore(inner);
  const bench = new AgentBench(flaky, root, inner);
  try {
    await bench.importTree(INITIAL_TREE);
    await bench.importTree(`
/cust
  /someapp
    /cms : z4m
       version = '1.0.0'
       /deploy
          /424242424242
            n = 'x'
`);
    await bench.start();
    assertEquals(bench.take(), ["INFO Agent starting, cluster 1, host 1"]);

    flaky.failing = true;
    const error =
      "DeploymentError: Invalid n at /cust/someapp/cms/deploy/424242424242: 'x' (expected a whole number)";
    assertEquals(await bench.setVersion(2), [
      ...deploying(2, failed(2, error)),
      "ERROR Could not set the cluster version to None: connection lost: /hosts",
    ]);
    assertEquals((await getProperties(inner, "/hosts"))?.version, 2);

    flaky.failing = false;
    flaky.fire("connected");
    await waitFor(
      "the owed ALL STOP",
      async () => (await getProperties(inner, "/hosts"))?.version === null,
    );
    await bench.caughtUp();
    assertEquals(bench.take(), []);

    await bench.importTree(INITIAL_TREE);
    assertEquals(await bench.setVersion(2), STEADY(2));
  } finally {
    await bench.close();
    await inner.close();
    await Deno.remove(root, { recursive: true });
    await Deno.remove(dir, { recursive: true });
  }
});
