/**
 * The store contract suite: one set of behaviours every {@linkcode Store} must have, run as
 * steps of one test against a store factory (each call opens another instance on the same
 * backing tree, so ephemerals and locks can be checked across instances).
 *
 * @module
 */
import assert from "node:assert/strict";
import { type Store, type StoredNode, StoreError } from "../../../lib/store/types.ts";
import {
  applyOps,
  deleteRecursive,
  getProperties,
  readTree,
  setProperties,
  updateProperties,
  writeTree,
} from "../../../lib/store/tree_io.ts";
import { emptyNode, nodeAt, type TreeNode, type TreeOp } from "../../../lib/tree/model.ts";
import { waitFor } from "./wait.ts";

/** Opens a new store instance on the shared backing tree. */
export type StoreFactory = () => Promise<Store>;

/** Asserts that `promise` rejects with a StoreError of `code`. */
export async function rejectsWith(promise: Promise<unknown>, code: StoreError["code"]) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof StoreError, `expected StoreError, got ${error}`);
    assert.equal(error.code, code, error.message);
    return true;
  });
}

/** A node without its times (compared on their own, see the "times" step). */
function withoutTimes(node: StoredNode | null): Omit<StoredNode, "ctime" | "mtime"> | null {
  if (node === null) return null;
  const { ctime: _c, mtime: _m, ...rest } = node;
  return rest;
}

async function withStores(
  factory: StoreFactory,
  count: number,
  fn: (...stores: Store[]) => Promise<void>,
): Promise<void> {
  const stores: Store[] = [];
  try {
    for (let i = 0; i < count; i++) stores.push(await factory());
    await fn(...stores);
  } finally {
    for (const store of stores) await store.close();
  }
}

/** Runs the contract as steps of `t`; `prefix` keeps this run's nodes apart (e.g. `/zk`). */
export async function storeContract(
  t: Deno.TestContext,
  factory: StoreFactory,
  prefix: string,
): Promise<void> {
  await t.step(
    "create, get, getMany, parents, versions, delete, errors",
    () =>
      withStores(factory, 1, async (store) => {
        const base = `${prefix}/basic`;
        await store.create(`${base}/a/b`, "", { parents: true });
        await store.create(`${base}/a/c`, "hello");
        const c = await store.get(`${base}/a/c`);
        assert.deepEqual(withoutTimes(c), {
          data: "hello",
          version: 0,
          ephemeral: false,
          children: [],
        });
        const a = await store.get(`${base}/a`);
        assert.deepEqual(a?.children, ["b", "c"]);
        assert.equal(await store.get(`${base}/missing`), null);
        const many = await store.getMany([`${base}/a/b`, `${base}/nope`, `${base}/a/c`]);
        assert.equal(many.length, 3);
        assert.equal(many[0]?.data, "");
        assert.equal(many[1], null);
        assert.equal(many[2]?.data, "hello");

        await rejectsWith(store.create(`${base}/a/c`, "x"), "NODE_EXISTS");
        await rejectsWith(store.create(`${base}/x/y`, "x"), "NO_NODE");
        await rejectsWith(store.create("relative", "x"), "INVALID");

        await store.set(`${base}/a/c`, "v1");
        await store.set(`${base}/a/c`, "v2", 1);
        await rejectsWith(store.set(`${base}/a/c`, "v3", 1), "BAD_VERSION");
        const c2 = await store.get(`${base}/a/c`);
        assert.equal(c2?.data, "v2");
        assert.equal(c2?.version, 2);
        await rejectsWith(store.set(`${base}/none`, "x"), "NO_NODE");

        await rejectsWith(store.delete(`${base}/a`), "NOT_EMPTY");
        await rejectsWith(store.delete(`${base}/a/c`, 0), "BAD_VERSION");
        await store.delete(`${base}/a/c`, 2);
        await store.delete(`${base}/a/b`);
        await rejectsWith(store.delete(`${base}/a/b`), "NO_NODE");
        assert.deepEqual((await store.get(`${base}/a`))?.children, []);
        // Unicode data round-trips.
        await store.create(`${base}/u`, 'héllo ✓ {"k": 1}');
        assert.equal((await store.get(`${base}/u`))?.data, 'héllo ✓ {"k": 1}');
      }),
  );

  await t.step(
    "times: ctime when created, mtime when set (not when a child comes), in get, getMany, data-only",
    () =>
      withStores(factory, 2, async (store, other) => {
        const path = `${prefix}/times/node`;
        const before = Date.now();
        await store.create(path, "a", { parents: true });
        const after = Date.now();
        const made = (await store.get(path))!;
        // The store's clock (ZooKeeper's server, here on this machine): within a second.
        assert.ok(made.ctime >= before - 1000 && made.ctime <= after + 1000, `${made.ctime}`);
        assert.equal(made.mtime, made.ctime);
        await new Promise((r) => setTimeout(r, 20));
        await store.create(`${path}/child`, "");
        assert.equal((await store.get(path))!.mtime, made.ctime);
        await store.set(path, "b");
        const set = (await other.get(path))!;
        assert.equal(set.ctime, made.ctime);
        assert.ok(set.mtime > made.ctime, `${set.mtime} > ${made.ctime}`);
        const [many] = await other.getMany([path]);
        assert.deepEqual([many!.ctime, many!.mtime], [set.ctime, set.mtime]);
        const dataOnly = (await other.get(path, { dataOnly: true }))!;
        assert.deepEqual([dataOnly.ctime, dataOnly.mtime], [set.ctime, set.mtime]);
        // A node deleted and made again has its new creation time.
        await store.delete(`${path}/child`);
        await store.delete(path);
        await new Promise((r) => setTimeout(r, 20));
        await store.create(path, "c");
        const again = (await other.get(path))!;
        assert.ok(again.ctime > set.mtime, `${again.ctime} > ${set.mtime}`);
        assert.equal(again.mtime, again.ctime);
      }),
  );

  await t.step(
    "multi is all or nothing, version 0 checks are real",
    () =>
      withStores(factory, 1, async (store) => {
        const base = `${prefix}/multi`;
        await store.create(base, "", { parents: true });
        await store.multi([
          { op: "create", path: `${base}/x`, data: "1" },
          { op: "create", path: `${base}/x/y`, data: "2" },
          { op: "check", path: `${base}/x`, version: 0 },
          { op: "set", path: `${base}/x`, data: "3", version: 0 },
        ]);
        assert.equal((await store.get(`${base}/x`))?.data, "3");
        assert.equal((await store.get(`${base}/x/y`))?.data, "2");
        // The third op fails: nothing of the batch is applied.
        await assert.rejects(
          store.multi([
            { op: "create", path: `${base}/z`, data: "" },
            { op: "set", path: `${base}/x`, data: "4" },
            { op: "check", path: `${base}/x`, version: 0 },
            { op: "delete", path: `${base}/x/y` },
          ]),
          (error: unknown) => {
            assert.ok(error instanceof StoreError);
            assert.equal(error.code, "BAD_VERSION");
            assert.equal(error.path, `${base}/x`);
            return true;
          },
        );
        assert.equal(await store.get(`${base}/z`), null);
        assert.equal((await store.get(`${base}/x`))?.data, "3");
        assert.notEqual(await store.get(`${base}/x/y`), null);
        await rejectsWith(store.multi([{ op: "delete", path: `${base}/x` }]), "NOT_EMPTY");
        await rejectsWith(
          store.multi([{ op: "create", path: `${base}/x`, data: "" }]),
          "NODE_EXISTS",
        );
        await store.multi([]);
      }),
  );

  await t.step(
    "sequential nodes: per-parent 10-digit counter, ephemeral or persistent",
    async () => {
      const base = `${prefix}/seq`;
      const other = await factory();
      try {
        await other.create(`${base}/dir`, "", { parents: true });
        const owner = await factory();
        let first: string, second: string, kept: string;
        try {
          first = await owner.create(`${base}/dir/x__lock__`, "a", {
            ephemeral: true,
            sequential: true,
          });
          second = await owner.create(`${base}/dir/x__lock__`, "b", {
            ephemeral: true,
            sequential: true,
          });
          kept = await owner.create(`${base}/dir/lr-`, "c", { sequential: true });
          assert.match(first, new RegExp(`^${base}/dir/x__lock__\\d{10}$`));
          const seq = (path: string) => Number(path.slice(-10));
          assert.ok(seq(second) > seq(first), `${second} after ${first}`);
          assert.ok(seq(kept) > seq(second), `${kept} after ${second}`);
          assert.equal((await other.get(first))?.data, "a");
          assert.equal((await other.get(first))?.ephemeral, true);
          // The counter never goes back, even after a child is deleted.
          await owner.delete(second);
          const third = await owner.create(`${base}/dir/x__lock__`, "d", {
            ephemeral: true,
            sequential: true,
          });
          assert.ok(seq(third) > seq(kept), `${third} after ${kept}`);
          // A plain create resolves to its own path.
          assert.equal(await owner.create(`${base}/dir/plain`, ""), `${base}/dir/plain`);
        } finally {
          await owner.close();
        }
        await waitFor(
          "sequential ephemerals to vanish",
          async () => (await other.get(first)) === null,
        );
        const dir = await other.get(`${base}/dir`);
        assert.deepEqual(dir?.children, [kept.slice(kept.lastIndexOf("/") + 1), "plain"]);
      } finally {
        await other.close();
      }
    },
  );

  await t.step("ephemeral nodes: visible to others, kept, gone after close", async () => {
    const base = `${prefix}/eph`;
    const other = await factory();
    try {
      await other.create(base, "", { parents: true });
      const owner = await factory();
      let handle;
      try {
        handle = await owner.ephemeral(`${base}/host1`, "one");
        const seen = await other.get(`${base}/host1`);
        assert.equal(seen?.data, "one");
        assert.equal(seen?.ephemeral, true);
        await handle.update("two");
        assert.equal((await other.get(`${base}/host1`))?.data, "two");
        await rejectsWith(owner.ephemeral(`${base}/host1`, "again"), "NODE_EXISTS");
        // Another owner's live ephemeral is never replaced (nor deleted).
        await rejectsWith(other.ephemeral(`${base}/host1`, "stolen"), "NODE_EXISTS");
        assert.equal((await owner.get(`${base}/host1`))?.data, "two");
        // An ephemeral cannot have children.
        await rejectsWith(other.create(`${base}/host1/child`, ""), "INVALID");
        // Plain ephemeral create too.
        await owner.create(`${base}/plain`, "p", { ephemeral: true });
        assert.equal((await other.get(`${base}/plain`))?.ephemeral, true);
        // remove() deletes it.
        const gone = await owner.ephemeral(`${base}/host2`, "x");
        await gone.remove();
        assert.equal(await other.get(`${base}/host2`), null);
      } finally {
        await owner.close();
      }
      await waitFor("ephemerals to vanish", async () => {
        const nodes = await other.getMany([`${base}/host1`, `${base}/plain`]);
        return nodes.every((n) => n === null);
      });
      // A leftover persistent node is replaced by the ephemeral one.
      await other.create(`${base}/host3`, "leftover");
      const owner2 = await factory();
      try {
        await owner2.ephemeral(`${base}/host3`, "mine");
        const node = await other.get(`${base}/host3`);
        assert.equal(node?.data, "mine");
        assert.equal(node?.ephemeral, true);
      } finally {
        await owner2.close();
      }
    } finally {
      await other.close();
    }
  });

  await t.step(
    "watch reports now, then create, set, delete",
    () =>
      withStores(factory, 2, async (watcher, writer) => {
        const path = `${prefix}/watched/node`;
        await writer.create(`${prefix}/watched`, "", { parents: true });
        const seen: (StoredNode | null)[] = [];
        const stop = watcher.watch(path, (node) => seen.push(node));
        try {
          const last = () => seen.at(-1);
          await waitFor("initial call", () => seen.length === 1);
          assert.equal(seen[0], null);
          await writer.create(path, "a");
          await waitFor("create seen", () => last()?.data === "a");
          await writer.set(path, "b");
          await waitFor("set seen", () => last()?.data === "b");
          assert.equal(last()?.version, 1);
          await writer.delete(path);
          await waitFor("delete seen", () => seen.length > 0 && last() === null);
          stop();
          const count = seen.length;
          await writer.create(path, "after stop");
          await writer.set(path, "after stop 2");
          // A fresh watch sees the new state, the stopped one saw nothing more.
          const fresh: (StoredNode | null)[] = [];
          const stop2 = watcher.watch(path, (node) => fresh.push(node));
          await waitFor("fresh watch", () => fresh.length > 0);
          stop2();
          assert.equal(fresh[0]?.data, "after stop 2");
          assert.equal(seen.length, count);
        } finally {
          stop();
        }
      }),
  );

  await t.step(
    "a data-only watch reports data, version and existence, never the children",
    () =>
      withStores(factory, 2, async (watcher, writer) => {
        const path = `${prefix}/data-only/node`;
        await writer.create(path, "a", { parents: true });
        await writer.create(`${path}/child`, "");
        const seen: (StoredNode | null)[] = [];
        const full: (StoredNode | null)[] = [];
        const stop = watcher.watch(path, (node) => seen.push(node), { dataOnly: true });
        const stopFull = watcher.watch(path, (node) => full.push(node));
        try {
          await waitFor("initial calls", () => seen.length === 1 && full.length === 1);
          assert.deepEqual(full[0]?.children, ["child"]);
          assert.equal(seen[0]?.data, "a");
          assert.deepEqual(seen[0]?.children, []);
          await writer.set(path, "b");
          await waitFor("set seen", () => seen.at(-1)?.data === "b");
          assert.equal(seen.at(-1)?.version, 1);
          assert.deepEqual(seen.at(-1)?.children, []);
          await writer.delete(`${path}/child`);
          await writer.delete(path);
          await waitFor("delete seen", () => seen.at(-1) === null);
        } finally {
          stop();
          stopFull();
        }
      }),
  );

  await t.step(
    "a data-only get or getMany reads data, version, ephemeral and existence, never children",
    () =>
      withStores(factory, 1, async (store) => {
        const path = `${prefix}/data-only-get/node`;
        await store.create(path, "a", { parents: true });
        await store.create(`${path}/child`, "");
        await store.set(path, "b");
        assert.deepEqual(withoutTimes(await store.get(path, { dataOnly: true })), {
          data: "b",
          version: 1,
          ephemeral: false,
          children: [],
        });
        assert.deepEqual((await store.get(path))?.children, ["child"]);
        await store.create(`${path}/eph`, "e", { ephemeral: true });
        assert.deepEqual(withoutTimes(await store.get(`${path}/eph`, { dataOnly: true })), {
          data: "e",
          version: 0,
          ephemeral: true,
          children: [],
        });
        assert.equal(await store.get(`${path}/missing`, { dataOnly: true }), null);
        await rejectsWith(store.get("relative", { dataOnly: true }), "INVALID");
        const many = await store.getMany([path, `${path}/missing`, `${path}/eph`], {
          dataOnly: true,
        });
        assert.deepEqual(many.map((node) => node && [node.data, node.children]), [
          ["b", []],
          null,
          ["e", []],
        ]);
        assert.deepEqual((await store.getMany([path]))[0]?.children, ["child", "eph"]);
      }),
  );

  await t.step(
    "tryLock is exclusive across instances, free after release or close",
    () =>
      withStores(factory, 2, async (a, b) => {
        const name = `contract-${prefix.replaceAll("/", "")}`;
        const lock = await a.tryLock(name);
        assert.ok(lock, "first lock");
        assert.equal(await b.tryLock(name), null);
        assert.equal(await a.tryLock(name), null, "not reentrant");
        const root = await b.get("/ZktoolsLocks");
        assert.equal(root?.data, "zktools ZLock dir");
        const dir = await b.get(`/ZktoolsLocks/${name}`);
        assert.equal(dir?.data, "lock");
        assert.equal(dir?.children.length, 1);
        assert.match(dir!.children[0], /^lock-\d{10}$/);
        await lock.release();
        await lock.release(); // idempotent
        const lockB = await b.tryLock(name);
        assert.ok(lockB, "free after release");
        assert.equal(await a.tryLock(name), null);
        await b.close();
        await waitFor("lock free after close", async () => {
          const again = await a.tryLock(name);
          if (again === null) return false;
          await again.release();
          return true;
        });
        await rejectsWith(a.tryLock("bad/name"), "INVALID");
      }),
  );

  await t.step(
    "readTree, applyOps, writeTree, properties, deleteRecursive",
    () =>
      withStores(factory, 2, async (store, other) => {
        const base = `${prefix}/tree`;
        await store.create(base, "", { parents: true });
        // 2 000 nodes with ~600 bytes each: more than 1 MiB, so several transactions.
        const ops: TreeOp[] = [];
        const filler = "x".repeat(600);
        for (let i = 0; i < 40; i++) {
          ops.push({ op: "create", path: `${base}/app${i}`, properties: { type: "z4m", i } });
          for (let j = 0; j < 49; j++) {
            ops.push({
              op: "create",
              path: `${base}/app${i}/n${j}`,
              properties: { filler, j, "link ->": "/x", nested: { a: [1, null, true] } },
            });
          }
        }
        assert.equal(ops.length, 2_000);
        const result = await applyOps(store, ops);
        assert.equal(result.writes, 2_000);
        assert.ok(result.transactions >= 3, `transactions: ${result.transactions}`);

        const tree = await readTree(other, base);
        assert.equal(tree.name, "tree");
        assert.equal(tree.children.size, 40);
        const n = nodeAt(tree, "/app7/n48");
        assert.deepEqual(n?.properties, {
          filler,
          j: 48,
          "link ->": "/x",
          nested: { a: [1, null, true] },
        });
        assert.equal(nodeAt(tree, "/app39")?.children.size, 49);

        // set and delete ops, in order, across transactions.
        const more: TreeOp[] = [];
        for (let i = 0; i < 40; i++) {
          for (let j = 0; j < 49; j++) more.push({ op: "delete", path: `${base}/app${i}/n${j}` });
          more.push({
            op: "set",
            path: `${base}/app${i}`,
            properties: { type: "z4m", i, done: true },
            before: { type: "z4m", i },
          });
        }
        const result2 = await applyOps(store, more);
        assert.equal(result2.writes, 2_000);
        const after = await readTree(store, base);
        assert.equal(nodeAt(after, "/app3")?.children.size, 0);
        assert.deepEqual(nodeAt(after, "/app3")?.properties, { type: "z4m", i: 3, done: true });

        // Root reads omit /zookeeper; ephemerals are flagged or left out.
        await store.ephemeral(`${base}/app0/e`, JSON.stringify({ name: "h" }));
        const whole = await readTree(other, "/");
        assert.equal(whole.name, "");
        assert.equal(whole.children.has("zookeeper"), false);
        const eph = nodeAt(whole, `${base}/app0/e`);
        assert.equal(eph?.ephemeral, true);
        assert.deepEqual(eph?.properties, { name: "h" });
        const noEph = await readTree(other, base, { ephemeral: false });
        assert.equal(nodeAt(noEph, "/app0/e"), undefined);
        await rejectsWith(readTree(other, `${base}/missing`), "NO_NODE");

        // writeTree creates and sets, deletes nothing.
        const wanted: TreeNode = emptyNode("w", { type: "top" });
        const child = emptyNode("c", { string_value: "raw text" });
        child.children.set("d", emptyNode("d", { v: 1 }));
        wanted.children.set("c", child);
        const written = await writeTree(store, wanted, `${base}/deep/w`);
        assert.equal(written.writes, 3);
        assert.equal((await store.get(`${base}/deep/w/c`))?.data, "raw text");
        const again = await writeTree(store, wanted, `${base}/deep/w`);
        assert.equal(again.writes, 0);

        // Properties read-modify-write, concurrent updates lose nothing.
        await setProperties(store, `${base}/deep/w`, { version: null });
        assert.deepEqual(await getProperties(other, `${base}/deep/w`), {
          type: "top",
          version: null,
        });
        assert.equal(await getProperties(other, `${base}/nope`), null);
        await Promise.all(
          Array.from({ length: 10 }, (_, k) =>
            updateProperties(k % 2 ? store : other, `${base}/deep/w`, (p) => ({
              ...p,
              count: Number(p.count ?? 0) + 1,
            }))),
        );
        assert.equal((await getProperties(store, `${base}/deep/w`))?.count, 10);
        await updateProperties(store, `${base}/deep/w`, ({ version: _, ...rest }) =>
          rest);
        assert.equal("version" in (await getProperties(store, `${base}/deep/w`))!, false);
        await rejectsWith(setProperties(store, `${base}/nope`, { a: 1 }), "NO_NODE");

        // deleteRecursive removes the whole subtree.
        const deleted = await deleteRecursive(store, base);
        assert.ok(deleted >= 44, `deleted ${deleted}`);
        assert.equal(await store.get(base), null);
        assert.equal(await deleteRecursive(store, base), 0);
      }),
  );

  await t.step("closed store refuses work", async () => {
    const store = await factory();
    await store.close();
    await rejectsWith(store.get("/"), "CLOSED");
    await store.close();
  });
}
