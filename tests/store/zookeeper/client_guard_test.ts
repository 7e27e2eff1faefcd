/**
 * Nothing read from the network is thrown out of the ZooKeeper client's socket handler (which
 * ends the process) — issue 9, item 8: agents started under load.
 *
 * - Closing a store whose connection attempt has not finished. The client retries a dropped
 *   connection after a random delay; a store given up on (connect timeout) while that retry was
 *   scheduled must not open a connection afterwards. It used to: the late connection's session
 *   answer was read as the answer to the close request, and `Exception.create(<bytes of the
 *   session id>)` threw `Unknown code: …` out of the socket's data handler, ending the process,
 *   and the connection stayed open.
 * - A reply the client cannot read (an error code it does not know): the request fails as a
 *   connection loss naming the reason, the connection is dropped, the process goes on.
 *
 * Covers: lib/store/types.ts, lib/store/zookeeper/mod.ts.
 */
import { deepEqual, equal, match, ok, rejects } from "node:assert/strict";
import { StoreError } from "../../../lib/store/types.ts";
import { connectZooKeeper } from "../../../lib/store/zookeeper/mod.ts";
import { startTcpProxy } from "../../support/servers/tcp_proxy.ts";
import { sleep, waitFor } from "../../support/harness/wait.ts";
import { fourLetterWord, startZooKeeper } from "../../support/servers/zookeeper.ts";

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

/**
 * A fake server: answers every connect request with a session, and every other request with a
 * reply header carrying error code 12345, which no ZooKeeper has.
 */
function startGarblingServer(): { port: number; close(): Promise<void> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const serve = async (conn: Deno.Conn) => {
    const buffer = new Uint8Array(65536);
    let connected = false;
    try {
      for (;;) {
        const n = await conn.read(buffer);
        if (n === null) return;
        const frame = new DataView(buffer.buffer, 0, n);
        const reply = new DataView(new ArrayBuffer(connected ? 20 : 40));
        if (!connected) {
          // length, protocolVersion 0, timeOut 2000, sessionId 1, passwd (16 zero bytes)
          reply.setInt32(0, 36);
          reply.setInt32(8, 2_000);
          reply.setBigInt64(12, 1n);
          reply.setInt32(20, 16);
          connected = true;
        } else {
          // length, xid of the request, zxid 0, err 12345
          reply.setInt32(0, 16);
          reply.setInt32(4, frame.getInt32(4));
          reply.setInt32(16, 12345);
        }
        await conn.write(new Uint8Array(reply.buffer));
      }
    } catch {
      // dropped by the client
    } finally {
      conns.delete(conn);
      try {
        conn.close();
      } catch { /* closed */ }
    }
  };
  const accepting = (async () => {
    for await (const conn of listener) {
      conns.add(conn);
      void serve(conn);
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    async close() {
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch { /* closed */ }
      }
      await accepting;
    },
  };
}

Deno.test({
  name: "a reply the client cannot read fails its request as a connection loss, nothing thrown",
  ...options,
  async fn() {
    const server = startGarblingServer();
    const uncaught: unknown[] = [];
    const onError = (event: ErrorEvent) => {
      event.preventDefault();
      uncaught.push(event.error);
    };
    globalThis.addEventListener("error", onError);
    const store = await connectZooKeeper(`127.0.0.1:${server.port}`, {
      sessionTimeoutMs: 2_000,
      operationTimeoutMs: 5_000,
    });
    try {
      await rejects(store.set("/x", "data"), (error: unknown) => {
        ok(error instanceof StoreError, String(error));
        equal(error.code, "CONNECTION");
        equal(error.path, "/x");
        match(error.message, /^zookeeper setData failed \(unreadable reply from the server/);
        match(error.message, /Unknown code: 12345/);
        return true;
      });
      deepEqual(uncaught, []);
    } finally {
      globalThis.removeEventListener("error", onError);
      await store.close();
      await server.close();
    }
  },
});
