/**
 * The lock recipe (the agents' per-application locks), on both store kinds: kazoo's node layout,
 * one holder at a time in sequence order, waiters told who holds it, a holder's death frees it;
 * and on ZooKeeper, interoperation with a client that takes the lock the standard way without
 * our code (node-zookeeper-client directly, as kazoo does it).
 *
 * Covers: lib/store/recipe/lock.ts, lib/store/zookeeper/mod.ts.
 */
import { deepEqual, equal, match } from "node:assert/strict";
import { Buffer } from "node:buffer";
import zookeeper from "node-zookeeper-client";
import { acquireRecipeLock } from "../../../lib/store/recipe/lock.ts";
import { STORE_KINDS } from "../../support/harness/stores.ts";
import { waitFor } from "../../support/harness/wait.ts";
import { startZooKeeper } from "../../support/servers/zookeeper.ts";
import { connectZooKeeper } from "../../../lib/store/zookeeper/mod.ts";

const options = { sanitizeOps: false, sanitizeResources: false };

for (const kind of STORE_KINDS) {
  Deno.test(
    `recipe lock on ${kind.name}: kazoo's node names; takers hold in turn; waiters told the holder`,
    options,
    async () => {
      const fixture = await kind.make();
      try {
        const [a, b, c] = [await fixture.open(), await fixture.open(), await fixture.open()];
        const events: string[] = [];
        const first = await acquireRecipeLock(a, "/agent-locks/cust,app", {
          identifier: "host-a",
        });
        match(first.node, /^\/agent-locks\/cust,app\/[0-9a-f]{32}__lock__\d{10}$/);
        equal((await b.get(first.node))?.data, "host-a");
        equal((await b.get(first.node))?.ephemeral, true);
        const take = (store: typeof a, name: string) =>
          acquireRecipeLock(store, "/agent-locks/cust,app", {
            identifier: name,
            onWait: (holder) => events.push(`${name} waits for ${holder}`),
          }).then((lock) => {
            events.push(`${name} holds`);
            return lock;
          });
        const second = take(b, "host-b");
        await waitFor("b to wait", () => events.length === 1);
        const third = take(c, "host-c");
        await waitFor("c to wait", () => events.length === 2);
        deepEqual(events, ["host-b waits for host-a", "host-c waits for host-a"]);
        await first.release();
        const lockB = await second;
        equal(events.at(-1), "host-b holds");
        await lockB.release();
        await (await third).release();
        deepEqual(events.slice(2), ["host-b holds", "host-c holds"]);
        // The lock directory stays; the contenders are gone.
        deepEqual((await a.get("/agent-locks/cust,app"))?.children, []);
      } finally {
        await fixture.close();
      }
    },
  );

  Deno.test(
    `recipe lock on ${kind.name}: a holder that closes (dies) frees it`,
    options,
    async () => {
      const fixture = await kind.make();
      try {
        const a = await fixture.open();
        const b = await fixture.open();
        await acquireRecipeLock(a, "/locks/x");
        let got = false;
        const waiting = acquireRecipeLock(b, "/locks/x").then((lock) => {
          got = true;
          return lock;
        });
        await new Promise((r) => setTimeout(r, 300));
        equal(got, false);
        await a.close();
        const lock = await waiting;
        await lock.release();
      } finally {
        await fixture.close();
      }
    },
  );
}

/** A raw client (not our store) taking the lock the kazoo way; resolves when connected. */
async function rawClient(connect: string) {
  const client = zookeeper.createClient(connect, { sessionTimeout: 4000, retries: 0 });
  await new Promise<void>((resolve) => {
    client.once("connected", () => resolve());
    client.connect();
  });
  const call = <T>(fn: (cb: (error: unknown, value?: T) => void) => void) =>
    new Promise<T>((resolve, reject) =>
      fn((error, value) => error ? reject(error) : resolve(value as T))
    );
  return {
    /** Creates `<dir>/<uuid>__lock__<seq>` (ephemeral sequential) with `data`; its path. */
    contend: async (dir: string, data: string) => {
      await call((cb) => client.mkdirp(dir, cb));
      return await call<string>((cb) =>
        client.create(
          `${dir}/${crypto.randomUUID().replaceAll("-", "")}__lock__`,
          Buffer.from(data),
          zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL,
          cb,
        )
      );
    },
    children: (dir: string) => call<string[]>((cb) => client.getChildren(dir, cb)),
    remove: (path: string) => call((cb) => client.remove(path, -1, cb)),
    close: () => client.close(),
  };
}

Deno.test(
  "recipe lock on zookeeper: a standard-recipe holder outside our code makes us wait, and ours blocks it",
  options,
  async () => {
    const server = await startZooKeeper();
    const store = await connectZooKeeper(server.connect);
    const raw = await rawClient(server.connect);
    const dir = "/agent-locks/cust,app";
    try {
      // The operator's client holds the lock: we wait, naming it, until it lets go.
      const theirs = await raw.contend(dir, "operator (pausing the app)");
      const seen: string[] = [];
      let got = false;
      const ours = acquireRecipeLock(store, dir, {
        identifier: "host42 (424242424242)",
        onWait: (holder) => seen.push(holder),
      }).then((lock) => {
        got = true;
        return lock;
      });
      await waitFor("us to wait", () => seen.length === 1);
      equal(got, false);
      deepEqual(seen, ["operator (pausing the app)"]);
      await raw.remove(theirs);
      const lock = await ours;

      // We hold it: a standard client that contends now is not the lowest, so it must wait.
      const next = await raw.contend(dir, "operator again");
      const queue = (await raw.children(dir)).sort((x, y) =>
        Number(x.slice(-10)) - Number(y.slice(-10))
      );
      deepEqual(queue.map((c) => `${dir}/${c}`), [lock.node, next]);
      await lock.release();
      deepEqual(await raw.children(dir), [next.slice(dir.length + 1)]);
    } finally {
      raw.close();
      await store.close();
      await server.close();
    }
  },
);
