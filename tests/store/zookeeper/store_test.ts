/**
 * ZooKeeper-specific store behaviour against a real server: reconnects after a server restart,
 * session expiry (forced with a network partition through a TCP proxy, so the server expires
 * the session for real), leftover ephemerals, connection failures.
 *
 * Covers: lib/store/types.ts, lib/store/zookeeper/mod.ts.
 *
 * @module
 */
import assert from "node:assert/strict";
import { connectZooKeeper } from "../../../lib/store/zookeeper/mod.ts";
import { type SessionState, type StoredNode, StoreError } from "../../../lib/store/types.ts";
import { freePort, startZooKeeper } from "../../support/servers/zookeeper.ts";
import { startTcpProxy } from "../../support/servers/tcp_proxy.ts";
import { rejectsWith } from "../../support/harness/store_contract.ts";
import { waitFor } from "../../support/harness/wait.ts";
import { parseConnectString } from "../../../lib/store/connect_string.ts";

const resources = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "zookeeper store: watch fires again after a server restart, with changes made meanwhile",
  ...resources,
  async fn() {
    const server = await startZooKeeper();
    const store = await connectZooKeeper(server.connect, { sessionTimeoutMs: 30_000 });
    const other = await connectZooKeeper(server.connect, { sessionTimeoutMs: 30_000 });
    try {
      const states: SessionState[] = [];
      store.onState((state) => states.push(state));
      await other.create("/w", "1");
      await store.create("/hosts", "");
      await store.ephemeral("/hosts/me", "alive");
      const seen: (StoredNode | null)[] = [];
      store.watch("/w", (node) => seen.push(node));
      await waitFor("first watch call", () => seen.at(-1)?.data === "1");

      await server.stop();
      await waitFor("disconnected reported", () => states.includes("disconnected"));
      await server.start();
      // Changed by another client as soon as the server is back, maybe before we reconnect.
      await other.set("/w", "2");
      await waitFor("reconnected", () => states.at(-1) === "connected");
      await waitFor("watch reports the change", () => seen.at(-1)?.data === "2");
      assert.deepEqual(states, ["disconnected", "connected"]);
      // The session survived: its ephemeral is still there, the watch is still armed.
      assert.equal((await other.get("/hosts/me"))?.data, "alive");
      await other.set("/w", "3");
      await waitFor("watch still armed", () => seen.at(-1)?.data === "3");
    } finally {
      await store.close();
      await other.close();
      await server.close();
    }
  },
});

Deno.test({
  name: "zookeeper store: session expiry re-creates ephemerals with latest data, re-arms watches",
  ...resources,
  async fn() {
    const server = await startZooKeeper();
    const proxy = startTcpProxy(server.port);
    const direct = await connectZooKeeper(server.connect);
    const store = await connectZooKeeper(proxy.connect, { sessionTimeoutMs: 1_000 });
    try {
      const states: SessionState[] = [];
      store.onState((state) => states.push(state));
      await direct.create("/hosts", "");
      await direct.create("/w", "before");
      const handle = await store.ephemeral("/hosts/h1", "v1");
      const seen: (StoredNode | null)[] = [];
      store.watch("/w", (node) => seen.push(node));
      await waitFor("first watch call", () => seen.at(-1)?.data === "before");
      const lock = await store.tryLock("expiring");
      assert.ok(lock);
      const oldSession = store.sessionId;

      proxy.pause();
      await waitFor("disconnected reported", () => states.includes("disconnected"));
      // The server expires the unreachable session: its ephemerals go.
      await waitFor(
        "server expired the session",
        async () => (await direct.get("/hosts/h1")) === null,
      );
      await direct.set("/w", "changed while partitioned");
      // An update while cut off is remembered and written once back.
      const updated = handle.update("v2");
      proxy.resume();

      await waitFor("expired then connected", () => states.at(-1) === "connected");
      assert.deepEqual(states, ["disconnected", "expired", "connected"]);
      assert.notEqual(store.sessionId, oldSession);
      await updated;
      const node = await direct.get("/hosts/h1");
      assert.equal(node?.data, "v2");
      assert.equal(node?.ephemeral, true);
      await waitFor(
        "watch sees the change",
        () => seen.at(-1)?.data === "changed while partitioned",
      );
      await direct.set("/w", "after");
      await waitFor("watch re-armed on the new session", () => seen.at(-1)?.data === "after");
      // The lock was lost with the session; it can be taken again.
      const again = await direct.tryLock("expiring");
      assert.ok(again);
      await again.release();
      await lock.release(); // harmless

      await store.close();
      await waitFor(
        "ephemeral gone after close",
        async () => (await direct.get("/hosts/h1")) === null,
      );
    } finally {
      await store.close();
      await direct.close();
      await proxy.close();
      await server.close();
    }
  },
});

Deno.test({
  name: "zookeeper store: another session's ephemeral is never replaced; taken once it is gone",
  ...resources,
  async fn() {
    const server = await startZooKeeper();
    const old = await connectZooKeeper(server.connect);
    const fresh = await connectZooKeeper(server.connect);
    try {
      await fresh.create("/hosts", "");
      await old.ephemeral("/hosts/h", "old process");
      await assert.rejects(fresh.ephemeral("/hosts/h", "new process"), (error) => {
        assert.ok(error instanceof StoreError);
        assert.equal(error.code, "NODE_EXISTS");
        return true;
      });
      assert.equal((await fresh.get("/hosts/h"))?.data, "old process");
      await old.close(); // the old session ends: its node goes
      const handle = await fresh.ephemeral("/hosts/h", "new process");
      assert.equal((await fresh.get("/hosts/h"))?.data, "new process");
      await handle.update("updated");
      assert.equal((await fresh.get("/hosts/h"))?.data, "updated");
    } finally {
      await old.close();
      await fresh.close();
      await server.close();
    }
  },
});

Deno.test({
  name: "zookeeper store: an unreachable server fails with CONNECTION naming it",
  ...resources,
  async fn() {
    const connect = `127.0.0.1:${freePort()}`;
    await assert.rejects(connectZooKeeper(connect, { connectTimeoutMs: 500 }), (error) => {
      assert.ok(error instanceof StoreError);
      assert.equal(error.code, "CONNECTION");
      assert.ok(error.message.includes(connect), error.message);
      return true;
    });
  },
});

Deno.test("zookeeper store: connect strings are validated", async () => {
  assert.deepEqual(parseConnectString("a:1,b:2/x/y"), { hosts: "a:1,b:2", chroot: "/x/y" });
  assert.deepEqual(parseConnectString("zk1"), { hosts: "zk1", chroot: "" });
  assert.deepEqual(parseConnectString("zk1:2181/"), { hosts: "zk1:2181", chroot: "" });
  for (const bad of ["", "a b:1", "a:0", "a:x", "a:1//x", "a:1/x/", ",a:1"]) {
    assert.throws(() => parseConnectString(bad), StoreError, bad);
  }
  await rejectsWith(connectZooKeeper("a:1/x/../y"), "INVALID");
});
