/**
 * A kill -9 of sync at any point never leaves a rollout record without its bump, nor a bump
 * without its record (issue 19): sync processes over a tree large enough to take several
 * transactions are killed at points spread over a run, and after each the store holds exactly
 * one record per version bump, the newest naming the cluster version. On both stores.
 *
 * Covers: lib/sync/rollout_bump.ts, lib/sync/sync.ts, lib/cluster/rollout_record.ts.
 */
import { equal } from "node:assert/strict";
import { decodeRecord, isRecordName, recordPath } from "../../lib/cluster/mod.ts";
import { getProperties } from "../../lib/store/tree_io.ts";
import type { Store } from "../../lib/store/types.ts";
import type { Value } from "../../lib/tree/model.ts";
import { makeRepo } from "../support/harness/git_repo.ts";
import { STORE_KINDS } from "../support/harness/stores.ts";
import { withSyncWork } from "../support/harness/sync_run.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** A tree of `n` nodes whose values all name `release`. */
function bigTree(n: number, release: number): string {
  const lines = ["/big"];
  for (let i = 0; i < n; i++) lines.push(`  /n${i}`, `    release = ${release}`);
  return lines.join("\n") + "\n";
}

/** The cluster version and the records' versions, oldest first. */
async function state(store: Store): Promise<{ version: Value | undefined; records: Value[] }> {
  const version = (await getProperties(store, "/hosts"))?.version;
  const names = ((await store.get("/rollouts"))?.children ?? []).filter(isRecordName).sort();
  const records = [];
  for (const name of names) {
    const decoded = decodeRecord((await store.get(recordPath(name)))!.data);
    records.push(decoded.ok ? decoded.value.version : "damaged");
  }
  return { version, records };
}

/** Runs sync as a process; kills it with SIGKILL after `killAfterMs` (never when undefined). */
async function syncProcess(args: string[], killAfterMs?: number): Promise<number> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", `${ROOT}sync.ts`, ...args],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const timer = killAfterMs === undefined ? undefined : setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* ended already */ }
  }, killAfterMs);
  const status = await child.status;
  clearTimeout(timer);
  return status.code;
}

for (const kind of STORE_KINDS) {
  Deno.test(
    `kill -9 of sync on ${kind.name}: never a record without its bump nor a bump without its record`,
    { sanitizeOps: false, sanitizeResources: false },
    async () => {
      await withSyncWork(kind.make, async (fixture, work) => {
        const store = await fixture.open();
        const repo = await makeRepo(work);
        const args = [repo.path, "--store", fixture.connect, "--tree-dir", `${work}/trees`];
        await repo.write("big.zk", bigTree(800, 0));
        await repo.commit("release 0");
        equal(await syncProcess(args), 0);
        // A run as the killed ones are (every node set), timed to spread the kill points.
        await repo.write("big.zk", bigTree(800, -1));
        await repo.commit("release -1");
        const started = Date.now();
        equal(await syncProcess(args), 0);
        const whole = Date.now() - started;
        let expected = await state(store);
        equal(expected.records.length, 2);
        // Kill points spread over a whole run, from start-up to the bump.
        for (const [i, fraction] of [0.75, 1.0, 1.2].entries()) {
          await repo.write("big.zk", bigTree(800, i + 1));
          await repo.commit(`release ${i + 1}`);
          await syncProcess(args, Math.round(whole * fraction));
          if (kind.name === "zookeeper") {
            // The killed session's lock would go with the session; take it away now.
            for (const name of (await store.get("/ZktoolsLocks/,hosts"))?.children ?? []) {
              await store.delete(`/ZktoolsLocks/,hosts/${name}`).catch(() => {});
            }
          }
          const now = await state(store);
          const bumped = now.version !== expected.version;
          equal(
            now.records.length,
            expected.records.length + (bumped ? 1 : 0),
            `kill at ${fraction}: ${JSON.stringify(now)}`,
          );
          equal(now.records.at(-1), now.version, `kill at ${fraction}: newest record`);
          expected = now;
        }
      });
    },
  );
}
