/**
 * What sync reads, counted (not timed): an unchanged sync reads `/hosts` four times (before the
 * cluster lock, under it, with the deployment index's head, and once to bump the version), not
 * once more to find out whether it exists before the bump; the first sync still creates it.
 *
 * Covers: lib/log.ts, lib/proc/real.ts, lib/store/types.ts, lib/sync/sync.ts, lib/tree/codec.ts.
 */
import { equal } from "node:assert/strict";
import { memoryLogger } from "../../lib/log.ts";
import { RealRunner } from "../../lib/proc/real.ts";
import { decodeProperties } from "../../lib/tree/codec.ts";
import { syncRepository } from "../../lib/sync/sync.ts";
import type { SessionState, Store } from "../../lib/store/types.ts";
import { CountingStore } from "../support/harness/counting_store.ts";
import { makeRepo } from "../support/harness/git_repo.ts";
import { STORE_KINDS } from "../support/harness/stores.ts";

const options = { sanitizeOps: false, sanitizeResources: false };

async function sync(store: Store, repoUrl: string, work: string) {
  const result = await syncRepository({
    store,
    runner: new RealRunner(),
    log: memoryLogger(),
    repoUrl,
    treeDir: `${work}/trees`,
  });
  equal(result.status, "synced");
  return result.commit!;
}

for (const kind of STORE_KINDS) {
  Deno.test(`sync reads /hosts once to bump the version (${kind.name})`, options, async () => {
    const fixture = await kind.make();
    const work = await Deno.makeTempDir({ prefix: "clusterdeploy-sync-reads-" });
    try {
      const store = new CountingStore(await fixture.open());
      try {
        const repo = await makeRepo(work);
        await repo.write("a.zk", "/a : z4m\n  version = '1'\n  /deploy\n    /host0\n");
        await repo.commit("a");
        const first = await sync(store, repo.path, work);
        equal(decodeProperties((await store.get("/hosts"))!.data).version, first);

        await repo.commit("nothing changed");
        store.reset();
        const second = await sync(store, repo.path, work);
        equal(store.reads.filter((paths) => paths.includes("/hosts")).length, 4);
        equal(decodeProperties((await store.get("/hosts"))!.data).version, second);
      } finally {
        await store.close();
      }
    } finally {
      await fixture.close();
      await Deno.remove(work, { recursive: true });
    }
  });
}

/** Counts the state listeners subscribed through it and not yet unsubscribed. */
class ListenerCount extends CountingStore {
  listening = 0;

  override onState(listener: (state: SessionState) => void): () => void {
    const unsubscribe = super.onState(listener);
    this.listening++;
    let done = false;
    return () => {
      if (!done) this.listening--;
      done = true;
      unsubscribe();
    };
  }
}

Deno.test("sync leaves no state listener on the store it was given", options, async () => {
  const fixture = await STORE_KINDS.find((kind) => kind.name === "local")!.make();
  const work = await Deno.makeTempDir({ prefix: "clusterdeploy-sync-reads-" });
  try {
    const store = new ListenerCount(await fixture.open());
    try {
      const repo = await makeRepo(work);
      await repo.write("a.zk", "/a : z4m\n  version = '1'\n  /deploy\n    /host0\n");
      await repo.commit("a");
      await sync(store, repo.path, work);
      equal(store.listening, 0);
      const again = await syncRepository({
        store,
        runner: new RealRunner(),
        log: memoryLogger(),
        repoUrl: repo.path,
        treeDir: `${work}/trees`,
      });
      equal(again.status, "up-to-date");
      equal(store.listening, 0);
    } finally {
      await store.close();
    }
  } finally {
    await fixture.close();
    await Deno.remove(work, { recursive: true });
  }
});
