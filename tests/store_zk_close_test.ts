/**
 * Closing a ZooKeeper store whose connection attempt has not finished (issue 9, item 8: agents
 * started under load). The client retries a dropped connection after a random delay; a store
 * given up on (connect timeout) while that retry was scheduled must not open a connection
 * afterwards. It used to: the late connection's session answer was read as the answer to the
 * close request, and `Exception.create(<bytes of the session id>)` threw `Unknown code: …` out
 * of the socket's data handler, ending the process, and the connection stayed open.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { StoreError } from "../lib/store/types.ts";
import { connectZooKeeper } from "../lib/store/zookeeper.ts";
import { startTcpProxy } from "./support/tcp_proxy.ts";
import { sleep, waitFor } from "./support/wait.ts";
import { fourLetterWord, startZooKeeper } from "./support/zookeeper_server.ts";

const options = { sanitizeOps: false, sanitizeResources: false };

/** The server's count of open client connections (`mntr`), the asking one excluded. */
async function aliveConnections(port: number): Promise<number> {
  const mntr = await fourLetterWord(port, "mntr");
  const match = /zk_num_alive_connections\s+(\d+)/.exec(mntr);
  if (match === null) throw new Error(`no zk_num_alive_connections in mntr: ${mntr}`);
  return Number(match[1]) - 1;
}

Deno.test({
  name: "a store given up on while its client waits to retry opens no connection afterwards",
  ...options,
  async fn() {
    const server = await startZooKeeper();
    const proxy = startTcpProxy(server.port);
    const uncaught: unknown[] = [];
    const onError = (event: ErrorEvent) => {
      event.preventDefault();
      uncaught.push(event.error);
    };
    globalThis.addEventListener("error", onError);
    try {
      for (let round = 0; round < 5; round++) {
        // Every attempt is cut at once: the client keeps scheduling a retry (0–250 ms away).
        proxy.pause();
        const attempt = connectZooKeeper(proxy.connect, {
          connectTimeoutMs: 600,
          sessionTimeoutMs: 2_000,
        });
        // Shortly before the store gives up, the server becomes reachable: the retry scheduled
        // when it gives up (if any) would reach it.
        await sleep(560);
        proxy.resume();
        try {
          const store = await attempt;
          await store.close(); // it got through in the last 40 ms: nothing to check this round
          continue;
        } catch (error) {
          ok(error instanceof StoreError && error.code === "CONNECTION", String(error));
        }
        const forwarded = proxy.forwarded;
        await sleep(400); // longer than the client's largest retry delay (250 ms)
        deepEqual(uncaught, [], `round ${round}: thrown out of the client`);
        equal(proxy.forwarded, forwarded, `round ${round}: a connection after giving up`);
      }
      deepEqual(uncaught, []);
      await waitFor(
        "the server to see no client connection",
        async () => await aliveConnections(server.port) === 0,
        5_000,
      );
      equal(await aliveConnections(server.port), 0);
    } finally {
      globalThis.removeEventListener("error", onError);
      await proxy.close();
      await server.close();
    }
  },
});
