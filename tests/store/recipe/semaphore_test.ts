/**
 * The semaphore recipe (the agents' `max_parallel` slots), on both store kinds: kazoo's node
 * layout (leases under the pool, `max_leases` its data, the lock beside it), at most
 * `max_leases` holders, a freed lease goes to a waiter, a dead holder frees its lease, waiting
 * stops on abort; and on ZooKeeper a lease holder outside our code (node-zookeeper-client, as
 * kazoo's `Semaphore` does it) counts.
 *
 * Covers: lib/store/recipe/semaphore.ts.
 */
import { deepEqual, equal, match } from "node:assert/strict";
import { Buffer } from "node:buffer";
import zookeeper from "node-zookeeper-client";
import { acquireSemaphore, leaseHolders } from "../../../lib/store/recipe/mod.ts";
import { StoreError } from "../../../lib/store/types.ts";
import { STORE_KINDS } from "../../support/harness/stores.ts";
import { waitFor } from "../../support/harness/wait.ts";
import { startZooKeeper } from "../../support/servers/zookeeper.ts";
import { connectZooKeeper } from "../../../lib/store/zookeeper/mod.ts";

const options = { sanitizeOps: false, sanitizeResources: false };
const POOL = "/agent-rollouts/cust,app/leases";

for (const kind of STORE_KINDS) {
  Deno.test(
    `semaphore on ${kind.name}: kazoo's layout; two of three at once; a freed lease goes to a waiter`,
    options,
    async () => {
      const fixture = await kind.make();
      try {
        const [a, b, c] = [await fixture.open(), await fixture.open(), await fixture.open()];
        const la = await acquireSemaphore(a, POOL, 2, { identifier: "host-a" });
        const lb = await acquireSemaphore(b, POOL, 2, { identifier: "host-b" });
        match(la.node, /^\/agent-rollouts\/cust,app\/leases\/[0-9a-f]{32}$/);
        const pool = await c.get(POOL);
        equal(pool?.data, "2");
        equal((await c.get(la.node))?.ephemeral, true);
        deepEqual((await leaseHolders(c, POOL)).sort(), ["host-a", "host-b"]);
        const waits: string[][] = [];
        let got = false;
        const third = acquireSemaphore(c, POOL, 2, {
          identifier: "host-c",
          onWait: (holders) => waits.push(holders.sort()),
        }).then((lease) => {
          got = true;
          return lease;
        });
        await waitFor("c to wait", () => waits.length === 1);
        deepEqual(waits, [["host-a", "host-b"]]);
        // The waiter holds the semaphore's lock while it waits (kazoo's lock_path).
        equal((await a.get(`${POOL}-__lock__`))?.children.length, 1);
        equal(got, false);
        await lb.release();
        const lc = await third;
        deepEqual((await leaseHolders(a, POOL)).sort(), ["host-a", "host-c"]);
        deepEqual((await a.get(`${POOL}-__lock__`))?.children, []);
        await la.release();
        await lc.release();
        deepEqual(await leaseHolders(a, POOL), []);
      } finally {
        await fixture.close();
      }
    },
  );

  Deno.test(
    `semaphore on ${kind.name}: a dead holder frees its lease; an aborted wait leaves nothing`,
    options,
    async () => {
      const fixture = await kind.make();
      try {
        const [a, b] = [await fixture.open(), await fixture.open()];
        await acquireSemaphore(a, POOL, 1, { identifier: "a" });
        const stop = new AbortController();
        const aborted = acquireSemaphore(b, POOL, 1, { signal: stop.signal });
        await new Promise((r) => setTimeout(r, 200));
        stop.abort();
        await aborted.then(
          () => Promise.reject(new Error("expected CLOSED")),
          (error) => equal(error instanceof StoreError && error.code, "CLOSED"),
        );
        deepEqual((await b.get(`${POOL}-__lock__`))?.children, []);
        deepEqual(await leaseHolders(b, POOL), ["a"]);
        const waiting = acquireSemaphore(b, POOL, 1, { identifier: "b" });
        await a.close();
        const lease = await waiting;
        deepEqual(await leaseHolders(b, POOL), ["b"]);
        await lease.release();
      } finally {
        await fixture.close();
      }
    },
  );
}

Deno.test(
  "semaphore on zookeeper: leases held the kazoo way, outside our code, make us wait",
  options,
  async () => {
    const server = await startZooKeeper();
    const store = await connectZooKeeper(server.connect);
    const client = zookeeper.createClient(server.connect, { sessionTimeout: 4000, retries: 0 });
    await new Promise<void>((resolve) => {
      client.once("connected", () => resolve());
      client.connect();
    });
    const call = <T>(fn: (cb: (error: unknown, value?: T) => void) => void) =>
      new Promise<T>((resolve, reject) =>
        fn((error, value) => error ? reject(error) : resolve(value as T))
      );
    try {
      // kazoo's Semaphore(client, POOL, "operator", max_leases=2), twice: the pool with its
      // max_leases as data, then one ephemeral uuid-hex lease each.
      await call((cb) => client.mkdirp(POOL, Buffer.from("2"), cb));
      const leases: string[] = [];
      for (let i = 0; i < 2; i++) {
        leases.push(
          await call<string>((cb) =>
            client.create(
              `${POOL}/${crypto.randomUUID().replaceAll("-", "")}`,
              Buffer.from("operator"),
              zookeeper.CreateMode.EPHEMERAL,
              cb,
            )
          ),
        );
      }
      const seen: string[][] = [];
      let got = false;
      const ours = acquireSemaphore(store, POOL, 2, {
        identifier: "host42",
        onWait: (holders) => seen.push(holders),
      }).then((lease) => {
        got = true;
        return lease;
      });
      await waitFor("us to wait", () => seen.length === 1);
      deepEqual(seen, [["operator", "operator"]]);
      await new Promise((r) => setTimeout(r, 300));
      equal(got, false);
      await call((cb) => client.remove(leases[0], -1, cb));
      const lease = await ours;
      const names = await call<string[]>((cb) => client.getChildren(POOL, cb));
      equal(names.length, 2);
      await lease.release();
    } finally {
      client.close();
      await store.close();
      await server.close();
    }
  },
);
