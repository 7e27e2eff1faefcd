/**
 * Reads retried across a lost connection ({@linkcode RetryingReads}) on a real server: they
 * come back after a restart, and give up after the timeout — saying so — when the server
 * hangs (SIGSTOP: the connection stays open, nothing is answered) or stays down. And the rules
 * of {@linkcode ConnectionWatch.run} that a real server cannot show on demand: when a changed
 * tree is planned again, and giving up on an expired session.
 *
 * Covers: lib/store/reconnect.ts, lib/store/types.ts, lib/store/zookeeper/mod.ts.
 */
import { deepEqual, equal, match, ok, rejects } from "node:assert/strict";
import { ConnectionGivenUp, ConnectionWatch, RetryingReads } from "../../lib/store/reconnect.ts";
import { type SessionState, type Store, StoreError } from "../../lib/store/types.ts";
import { connectZooKeeper } from "../../lib/store/zookeeper/mod.ts";
import { startZooKeeper } from "../support/servers/zookeeper.ts";

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
      server.pause();
      await rejects(store.getMany(["/a"]), givenUp("unreachable"));
      server.resume();
      deepEqual((await store.get("/a"))?.data, "1");
    } finally {
      server.resume();
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
    const raw = await connectZooKeeper(server.connect, { sessionTimeoutMs: 30_000 });
    try {
      await raw.create("/a", "1");
      await server.stop();
      const read = new RetryingReads(raw, 30_000).get("/a");
      await server.start();
      equal((await read)?.data, "1");
      await server.stop();
      await rejects(new RetryingReads(raw, 1_500).get("/a"), givenUp("unreachable"));
    } finally {
      await raw.close();
      await server.close();
    }
  },
});

/** Just enough of a store for {@linkcode ConnectionWatch}: its state events, sent by the test. */
function stateOnlyStore() {
  const listeners = new Set<(state: SessionState) => void>();
  const store = {
    description: "zookeeper test",
    onState(listener: (state: SessionState) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  } as unknown as Store;
  return { store, emit: (state: SessionState) => listeners.forEach((l) => l(state)) };
}

Deno.test("a run retries a changed tree only after a lost connection, and at most 5 times", async () => {
  const { store } = stateOnlyStore();
  const watch = new ConnectionWatch(store, 10_000);
  const conflict = () => new StoreError("NODE_EXISTS", "exists", "/a");
  const retryAfterLoss = (error: unknown) => error instanceof StoreError;
  try {
    // No connection lost: a conflict is a real error.
    let attempts = 0;
    await rejects(
      watch.run(() => {
        attempts++;
        throw conflict();
      }, { retryAfterLoss }),
      /exists/,
    );
    equal(attempts, 1);
    // Lost, then the cut-off write turns out applied: planned again, then done.
    const seen: string[] = [];
    const result = await watch.run((attempt) => {
      seen.push(String(attempt));
      if (attempt === 1) throw new StoreError("CONNECTION", "lost", "/a");
      if (attempt === 2) throw conflict();
      return Promise.resolve("done");
    }, { retryAfterLoss, onRetry: (error) => seen.push((error as StoreError).code) });
    equal(result, "done");
    deepEqual(seen, ["1", "CONNECTION", "2", "NODE_EXISTS", "3"]);
    // A conflict that does not go away is thrown after 5 retries.
    attempts = 0;
    await rejects(
      watch.run((attempt) => {
        attempts++;
        if (attempt === 1) throw new StoreError("CONNECTION", "lost", "/a");
        throw conflict();
      }, { retryAfterLoss }),
      /exists/,
    );
    equal(attempts, 7);
  } finally {
    watch.stop();
  }
});

Deno.test("a run that keeps the session gives up when it expires, its step aborted", async () => {
  const { store, emit } = stateOnlyStore();
  const watch = new ConnectionWatch(store, 10_000);
  try {
    let signal: AbortSignal | undefined;
    const run = watch.run((_, s) => {
      signal = s;
      return new Promise(() => {}); // a request waiting for the reconnection
    }, { keepSession: true });
    emit("disconnected");
    emit("expired");
    await rejects(run, (error) => {
      ok(error instanceof ConnectionGivenUp);
      equal(error.reason, "expired");
      match(error.message, /^the ZooKeeper session expired/);
      return true;
    });
    ok(signal?.aborted, "the step was told to stop");
    // And the next run of work that needs the session is refused at once.
    await rejects(watch.run(() => Promise.resolve(1), { keepSession: true }), ConnectionGivenUp);
    // Work that does not need it goes on.
    emit("connected");
    equal(await watch.run(() => Promise.resolve(1)), 1);
  } finally {
    watch.stop();
  }
});
