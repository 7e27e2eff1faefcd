/**
 * Reads retried across a lost connection ({@linkcode RetryingReads}) on a real server: they
 * come back after a restart, and give up after the timeout — saying so — when the server
 * hangs (SIGSTOP: the connection stays open, nothing is answered) or stays down.
 */
import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { ConnectionGivenUp, RetryingReads } from "../lib/store/reconnect.ts";
import { connectZooKeeper } from "../lib/store/zookeeper.ts";
import { startZooKeeper } from "./support/zookeeper_server.ts";

const options = { sanitizeOps: false, sanitizeResources: false };

const givenUp = (reason: string) => (error: unknown) => {
  ok(error instanceof ConnectionGivenUp, String(error));
  equal(error.reason, reason);
  equal(error.code, "CONNECTION");
  ok(error.message.startsWith("ZooKeeper unreachable for more than 1.5 s (--timeout)"));
  return true;
};

Deno.test({
  name: "retried reads give up after the timeout on a hung server, and work once it answers",
  ...options,
  async fn() {
    const server = await startZooKeeper();
    // A request without an answer fails after 300 ms; the reads give up after 1.5 s of that.
    const raw = await connectZooKeeper(server.connect, {
      sessionTimeoutMs: 30_000,
      operationTimeoutMs: 300,
    });
    const store = new RetryingReads(raw, 1_500);
    try {
      await store.create("/a", "1");
      server.freeze();
      await rejects(store.getMany(["/a"]), givenUp("unreachable"));
      server.thaw();
      deepEqual((await store.get("/a"))?.data, "1");
    } finally {
      server.thaw();
      await store.close();
      await server.close();
    }
  },
});

Deno.test({
  name: "retried reads come back after a server restart, give up when it stays down",
  ...options,
  async fn() {
    const server = await startZooKeeper();
    const store = new RetryingReads(
      await connectZooKeeper(server.connect, { sessionTimeoutMs: 30_000 }),
      1_500,
    );
    try {
      await store.create("/a", "1");
      await server.stop();
      const read = store.get("/a");
      await server.start();
      equal((await read)?.data, "1");
      await server.stop();
      await rejects(store.get("/a"), givenUp("unreachable"));
    } finally {
      await store.close();
      await server.close();
    }
  },
});
