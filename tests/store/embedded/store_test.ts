/**
 * The local store across processes: a killed process's ephemerals and locks vanish, and
 * concurrent writers from several processes lose no update.
 *
 * Covers: lib/store/embedded/mod.ts, lib/store/open.ts, lib/store/tree_io.ts, lib/store/types.ts.
 *
 * @module
 */
import assert from "node:assert/strict";
import { openLocalStore } from "../../../lib/store/embedded/mod.ts";
import { openStore } from "../../../lib/store/open.ts";
import { getProperties, updateProperties } from "../../../lib/store/tree_io.ts";
import type { StoredNode } from "../../../lib/store/types.ts";
import { rejectsWith } from "../../support/harness/store_contract.ts";
import { waitFor } from "../../support/harness/wait.ts";
import { withTempDir } from "../../support/harness/temp_dir.ts";

const WORKER = new URL("../../support/harness/local_store_worker.ts", import.meta.url).pathname;

function worker(...args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", WORKER, ...args],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
}

/** Reads a child's stdout until a line equal to `line`. */
async function readUntil(child: Deno.ChildProcess, line: string): Promise<void> {
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  try {
    while (!text.split("\n").includes(line)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`worker ended before printing "${line}": ${text}`);
      text += value;
    }
  } finally {
    reader.releaseLock();
  }
}

Deno.test({
  name: "local store: a killed process's ephemeral node and lock vanish",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withTempDir("clusterdeploy-local-", async (dir) => {
      const file = `${dir}/tree.json`;
      const store = await openLocalStore(file);
      await store.create("/hosts", "");
      const seen: (StoredNode | null)[] = [];
      const stop = store.watch("/hosts/h1", (node) => seen.push(node));
      const child = worker("hold", file, "/hosts/h1", "cluster");
      try {
        await readUntil(child, "ready");
        const node = await store.get("/hosts/h1");
        assert.equal(node?.ephemeral, true);
        assert.deepEqual((await store.get("/hosts"))?.children, ["h1"]);
        assert.equal(await store.tryLock("cluster"), null);
        await waitFor("watch sees the ephemeral", () => seen.at(-1)?.ephemeral === true);
      } finally {
        child.kill("SIGKILL");
        await child.status;
        await child.stdout.cancel().catch(() => {});
      }
      try {
        assert.equal(await store.get("/hosts/h1"), null);
        assert.deepEqual((await store.get("/hosts"))?.children, []);
        await waitFor("watch sees it gone", () => seen.length > 0 && seen.at(-1) === null);
        const lock = await store.tryLock("cluster");
        assert.ok(lock, "the dead holder's lock is free");
        // The next write drops the dead node from the file for good.
        assert.equal((await Deno.readTextFile(file)).includes("/hosts/h1"), false);
        await lock.release();
        // And a path taken by the dead process can be reused.
        await store.create("/hosts/h1", "persistent now");
        assert.equal((await store.get("/hosts/h1"))?.ephemeral, false);
      } finally {
        stop();
        await store.close();
      }
    }),
});

Deno.test({
  name: "local store: concurrent writers in several processes lose no update",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withTempDir("clusterdeploy-local-", async (dir) => {
      const file = `${dir}/tree.json`;
      const store = await openLocalStore(file);
      try {
        await store.create("/counter", "");
        const children = [
          worker("count", file, "/counter", "100"),
          worker("count", file, "/counter", "100"),
        ];
        const own = (async () => {
          for (let i = 0; i < 100; i++) {
            await updateProperties(store, "/counter", (p) => ({
              ...p,
              count: Number(p.count ?? 0) + 1,
            }));
          }
        })();
        for (const child of children) await readUntil(child, "done");
        await own;
        for (const child of children) assert.equal((await child.status).code, 0);
        assert.equal((await getProperties(store, "/counter"))?.count, 300);
        assert.equal((await store.get("/counter"))?.children.length, 200);
      } finally {
        await store.close();
      }
    }),
});

Deno.test({
  name: "local store: a second store in the same process is another owner",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withTempDir("clusterdeploy-local-", async (dir) => {
      const a = await openStore(`file:${dir}/t.json`);
      const b = await openStore(`file:${dir}/t.json`);
      try {
        await a.ephemeral("/a", "");
        assert.equal((await b.get("/a"))?.ephemeral, true);
        const lock = await a.tryLock("x");
        assert.ok(lock);
        assert.equal(await b.tryLock("x"), null);
        await a.close();
        assert.equal(await b.get("/a"), null);
        assert.ok(await b.tryLock("x"));
      } finally {
        await a.close();
        await b.close();
      }
    }),
});

Deno.test("local store: bad files and addresses are refused clearly", () =>
  withTempDir("clusterdeploy-local-", async (dir) => {
    await Deno.writeTextFile(`${dir}/bad.json`, "not json");
    await rejectsWith(openLocalStore(`${dir}/bad.json`), "INVALID");
    await Deno.writeTextFile(`${dir}/other.json`, '{"a": 1}');
    await rejectsWith(openLocalStore(`${dir}/other.json`), "INVALID");
    await rejectsWith(openStore("file:"), "INVALID");
    await rejectsWith(openStore(""), "INVALID");
    await rejectsWith(openStore("http://example.com"), "INVALID");
    await rejectsWith(openStore("host:99999"), "INVALID");
  }));
