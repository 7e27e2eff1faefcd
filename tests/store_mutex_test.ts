/**
 * The store mutex (used for the agents' per-application locks), on both store kinds: one holder
 * at a time, waiters are told who holds it, and a holder's death frees it.
 */
import { deepEqual, equal } from "node:assert/strict";
import { acquireMutex } from "../lib/store/mutex.ts";
import { STORE_KINDS } from "./support/stores.ts";

const options = { sanitizeOps: false, sanitizeResources: false };

for (const kind of STORE_KINDS) {
  Deno.test(
    `mutex on ${kind.name}: the second taker waits until the first releases`,
    options,
    async () => {
      const fixture = await kind.make();
      try {
        const a = await fixture.open();
        const b = await fixture.open();
        const events: string[] = [];
        const first = await acquireMutex(a, "/agent-locks/cust,app", { owner: "host-a" });
        events.push("a holds");
        const second = acquireMutex(b, "/agent-locks/cust,app", {
          owner: "host-b",
          onWait: (holder) => events.push(`b waits for ${holder}`),
        }).then((lock) => {
          events.push("b holds");
          return lock;
        });
        // b is told it waits, and does not get the mutex while a holds it.
        for (let i = 0; i < 100 && events.length < 2; i++) {
          await new Promise((r) => setTimeout(r, 20));
        }
        deepEqual(events, ["a holds", "b waits for host-a"]);
        events.push("a releases");
        await first.release();
        const lock = await second;
        deepEqual(events, ["a holds", "b waits for host-a", "a releases", "b holds"]);
        await lock.release();
        // The lock directory stays; the lock itself is gone.
        equal((await a.get("/agent-locks/cust,app"))?.children.length, 0);
      } finally {
        await fixture.close();
      }
    },
  );

  Deno.test(`mutex on ${kind.name}: a holder that closes (dies) frees it`, options, async () => {
    const fixture = await kind.make();
    try {
      const a = await fixture.open();
      const b = await fixture.open();
      await acquireMutex(a, "/locks/x");
      const waiting = acquireMutex(b, "/locks/x");
      await a.close();
      const lock = await waiting;
      await lock.release();
    } finally {
      await fixture.close();
    }
  });
}
