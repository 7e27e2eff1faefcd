/**
 * The persistent lock recipe (role locks) on both store kinds: the lock node must exist, requests
 * are `lr-<seq>` with `{hostname, requestor}`, one holder at a time in request order, a released
 * request is removed, a kept one (after a failure) blocks others even when its requestor's session
 * ends, and a requestor adopts its own earlier request.
 *
 * Covers: lib/store/recipe/persistent_lock.ts.
 */
import { deepEqual, equal, rejects } from "node:assert/strict";
import {
  acquirePersistentLock,
  MissingLockError,
  readLockRequests,
} from "../../../lib/store/recipe/persistent_lock.ts";
import { STORE_KINDS } from "../../support/harness/stores.ts";

const options = { sanitizeOps: false, sanitizeResources: false };
const LOCK = "/role-locks/my.role";

for (const kind of STORE_KINDS) {
  Deno.test(`persistent lock on ${kind.name}: the lock node must exist`, options, async () => {
    const fixture = await kind.make();
    try {
      const store = await fixture.open();
      await rejects(
        acquirePersistentLock(store, "/role-locks/nope", { hostname: "h", requestor: "1" }),
        (e) =>
          e instanceof MissingLockError &&
          e.message === "role lock node '/role-locks/nope' must exist",
      );
      equal(await store.get("/role-locks/nope"), null);
    } finally {
      await fixture.close();
    }
  });

  Deno.test(
    `persistent lock on ${kind.name}: requests queue in order, release removes the request`,
    options,
    async () => {
      const fixture = await kind.make();
      try {
        const a = await fixture.open();
        const b = await fixture.open();
        await a.create(LOCK, "", { parents: true });
        const first = await acquirePersistentLock(a, LOCK, { hostname: "host42", requestor: "42" });
        equal(first.request, "lr-0000000000");
        equal(first.adopted, false);
        deepEqual(await readLockRequests(a, LOCK), [
          { name: "lr-0000000000", hostname: "host42", requestor: "42" },
        ]);
        const events: string[] = [];
        const second = acquirePersistentLock(b, LOCK, {
          hostname: "host53",
          requestor: "53",
          onWait: (holder) => events.push(`53 waits for ${holder.hostname} (${holder.requestor})`),
        }).then((lock) => {
          events.push("53 holds");
          return lock;
        });
        for (let i = 0; i < 100 && events.length < 1; i++) {
          await new Promise((r) => setTimeout(r, 20));
        }
        deepEqual(events, ["53 waits for host42 (42)"]);
        deepEqual((await readLockRequests(a, LOCK))?.map((r) => r.name), [
          "lr-0000000000",
          "lr-0000000001",
        ]);
        events.push("42 releases");
        await first.release();
        const lock = await second;
        deepEqual(events, ["53 waits for host42 (42)", "42 releases", "53 holds"]);
        equal(lock.request, "lr-0000000001");
        await lock.release();
        deepEqual(await readLockRequests(a, LOCK), []);
      } finally {
        await fixture.close();
      }
    },
  );

  Deno.test(
    `persistent lock on ${kind.name}: a kept request outlives its session and is adopted`,
    options,
    async () => {
      const fixture = await kind.make();
      try {
        const a = await fixture.open();
        await a.create(LOCK, "", { parents: true });
        // 42 takes the lock and fails: it keeps its request, and its agent goes away.
        await acquirePersistentLock(a, LOCK, { hostname: "host42", requestor: "42" });
        await a.close();
        const b = await fixture.open();
        const c = await fixture.open();
        let waited = "";
        const blocked = acquirePersistentLock(b, LOCK, {
          hostname: "host53",
          requestor: "53",
          onWait: (holder) => waited = holder.requestor ?? "",
        });
        let taken = false;
        blocked.then(() => taken = true, () => {});
        for (let i = 0; i < 100 && waited === ""; i++) {
          await new Promise((r) => setTimeout(r, 20));
        }
        equal(waited, "42");
        equal(taken, false);
        // 42's agent comes back: it adopts its request (no new one) and holds the lock at once.
        const again = await acquirePersistentLock(c, LOCK, {
          hostname: "host42",
          requestor: "42",
        });
        equal(again.request, "lr-0000000000");
        equal(again.adopted, true);
        deepEqual((await readLockRequests(c, LOCK))?.map((r) => r.requestor), ["42", "53"]);
        equal(taken, false);
        await again.release();
        const lock = await blocked;
        equal(lock.request, "lr-0000000001");
        await lock.release();
      } finally {
        await fixture.close();
      }
    },
  );
}
