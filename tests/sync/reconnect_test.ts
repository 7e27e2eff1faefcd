/**
 * Sync rides out a lost ZooKeeper connection on real servers: the leader of a 3-server ensemble
 * killed mid-import, a single server restarted mid-import. It fails, saying which, only when
 * the session expired or the cluster stayed unreachable past the timeout — the version not
 * bumped and the cluster lock gone either way.
 *
 * Each fault is injected when the sync logs its first "Imported N of M changes" line: the tree
 * is big enough for several transactions, so the import is mid-way when it strikes. One more
 * strikes right after the cluster lock is taken, at the re-read that decides again under it.
 *
 * Covers: lib/cluster/mod.ts, lib/store/recipe/keyed_index.ts, lib/store/tree_io.ts,
 *   lib/store/types.ts, lib/store/zookeeper/mod.ts, lib/sync/sync.ts, lib/sync/tree_files.ts,
 *   lib/tree/codec.ts, lib/tree/diff.ts, lib/tree/model.ts.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { indexTexts, whyNotCurrent } from "../../lib/cluster/mod.ts";
import { parseHead, readIndexKeys } from "../../lib/store/recipe/keyed_index.ts";
import { getProperties, readTree } from "../../lib/store/tree_io.ts";
import type { Store } from "../../lib/store/types.ts";
import { connectZooKeeper } from "../../lib/store/zookeeper/mod.ts";
import { CLUSTER_LOCK } from "../../lib/sync/sync.ts";
import { listTreeFiles, readDesiredTree } from "../../lib/sync/tree_files.ts";
import { decodeProperties } from "../../lib/tree/codec.ts";
import { diffTrees } from "../../lib/tree/diff.ts";
import { emptyNode } from "../../lib/tree/model.ts";
import { generateTrees } from "../../bench/tree_gen.ts";
import { makeRepo } from "../support/harness/git_repo.ts";
import { startTcpProxy } from "../support/servers/tcp_proxy.ts";
import { waitFor } from "../support/harness/wait.ts";
import { startZooKeeper, startZooKeeperEnsemble } from "../support/servers/zookeeper.ts";
import { runSync, type SyncRun } from "../support/harness/sync_run.ts";
import { DEPLOYMENT_INDEX } from "../../lib/cluster/mod.ts";

const options = { sanitizeOps: false, sanitizeResources: false };

/** About 6 500 nodes: two transactions or more (a fault after the first hits the import). */
const SHAPE = { customers: 80, apps: 10, hosts: 3 };

/** A repository holding the generated tree; resolves to its path and commit. */
async function bigRepo(work: string): Promise<{ path: string; commit: string }> {
  const repo = await makeRepo(work);
  for (const [name, text] of generateTrees(SHAPE)) await repo.write(name, text);
  return { path: repo.path, commit: await repo.commit("a big tree") };
}

/** Calls `fault` once, at the first progress line of the import. */
function atFirstProgress(fault: () => Promise<void>) {
  let struck: Promise<void> | undefined;
  return {
    onLine(line: string) {
      if (struck === undefined && line.startsWith("INFO Imported ")) struck = fault();
    },
    async struck(): Promise<boolean> {
      await struck;
      return struck !== undefined;
    },
  };
}

/** Asserts that the live tree is exactly what the checkout's files describe. */
async function assertTreeEqualsFiles(store: Store, treeDir: string): Promise<void> {
  const desired = await readDesiredTree(treeDir, await listTreeFiles(treeDir));
  const all = await readTree(store, "/");
  const live = emptyNode();
  for (const name of desired.children.keys()) {
    const node = all.children.get(name);
    if (node !== undefined) live.children.set(name, node);
  }
  deepEqual(diffTrees(desired, live, { trim: true }).ops, []);
}

/**
 * Asserts that the deployment index is current for `/hosts` as it is now and holds, key for
 * key, the index of the live tree (built again after the re-read, not the first plan's).
 */
async function assertIndexCurrent(store: Store): Promise<void> {
  const hosts = await store.get("/hosts");
  ok(hosts !== null);
  const head = parseHead(await store.get(DEPLOYMENT_INDEX));
  const seen = { version: decodeProperties(hosts.data).version ?? null, stat: hosts.version };
  equal(whyNotCurrent(head, seen), null);
  ok(typeof head !== "string");
  const texts = indexTexts(await readTree(store, "/"));
  ok(texts.size > 0);
  const read = await readIndexKeys(store, DEPLOYMENT_INDEX, head, [...texts.keys()]);
  deepEqual(read, new Map(texts));
  deepEqual((await store.get(DEPLOYMENT_INDEX))?.children, [head.generation]);
}

const lostLine = (lines: string[]) =>
  lines.some((line) => line.startsWith("WARNING Lost the connection to ZooKeeper"));

/**
 * Asserts that a sync went through a lost connection: synced, the loss logged, and the live
 * tree, the deployment index and the version at `/hosts` as the commit's files say.
 */
async function assertSyncedAcrossLoss(
  store: Store,
  work: string,
  commit: string,
  { result, lines }: SyncRun,
): Promise<void> {
  equal(result.status, "synced", lines.join("\n"));
  ok(lostLine(lines), `the import saw the connection lost:\n${lines.join("\n")}`);
  await assertTreeEqualsFiles(store, `${work}/trees`);
  await assertIndexCurrent(store);
  equal((await getProperties(store, "/hosts"))?.version, commit);
}

Deno.test({
  name: "sync completes when the ensemble's leader is killed mid-import; the tree equals the files",
  ...options,
  async fn() {
    const ensemble = await startZooKeeperEnsemble();
    const work = await Deno.makeTempDir({ prefix: "clusterdeploy-sync-" });
    const store = await connectZooKeeper(ensemble.connect, { sessionTimeoutMs: 15_000 });
    const check = await connectZooKeeper(ensemble.connect);
    try {
      const repo = await bigRepo(work);
      const leader = await ensemble.leader();
      const fault = atFirstProgress(() => leader.stop());
      const run = await runSync(store, repo.path, work, {}, fault.onLine);
      ok(await fault.struck(), "the leader was killed during the import");
      await assertSyncedAcrossLoss(check, work, repo.commit, run);
    } finally {
      await store.close();
      await check.close();
      await ensemble.close();
      await Deno.remove(work, { recursive: true });
    }
  },
});

Deno.test({
  name: "sync completes when its single server restarts mid-import within the session timeout",
  ...options,
  async fn() {
    const server = await startZooKeeper();
    const work = await Deno.makeTempDir({ prefix: "clusterdeploy-sync-" });
    const store = await connectZooKeeper(server.connect, { sessionTimeoutMs: 15_000 });
    try {
      const repo = await bigRepo(work);
      const fault = atFirstProgress(async () => {
        await server.stop();
        await server.start();
      });
      const run = await runSync(store, repo.path, work, {}, fault.onLine);
      ok(await fault.struck(), "the server was restarted during the import");
      await assertSyncedAcrossLoss(store, work, repo.commit, run);
    } finally {
      await store.close();
      await server.close();
      await Deno.remove(work, { recursive: true });
    }
  },
});

Deno.test({
  name: "a transaction whose answer was lost is not assumed failed: the re-read tree has it",
  ...options,
  async fn() {
    const server = await startZooKeeper();
    const proxy = startTcpProxy(server.port);
    const work = await Deno.makeTempDir({ prefix: "clusterdeploy-sync-" });
    const store = await connectZooKeeper(proxy.connect, { sessionTimeoutMs: 15_000 });
    try {
      const repo = await bigRepo(work);
      // The next answer is the last transaction's: applied by the server, lost on the way back.
      const fault = atFirstProgress(() => Promise.resolve(proxy.cutAfter(0)));
      const run = await runSync(store, repo.path, work, {}, fault.onLine);
      const { lines } = run;
      ok(await fault.struck(), lines.join("\n"));
      equal(proxy.cuts, 1);
      await assertSyncedAcrossLoss(store, work, repo.commit, run);
      // What was left when the answer was lost, and what the re-read found left: less, since
      // the transaction was applied (re-applying it would fail on nodes that exist).
      const [done, total] = /^INFO Imported (\d+) of (\d+) changes$/m.exec(lines.join("\n"))!
        .slice(1).map(Number);
      const left = Number(
        /^INFO Re-read the tree: (\d+) changes left/m.exec(lines.join("\n"))?.[1],
      );
      ok(left < total - done, lines.join("\n"));
    } finally {
      await store.close();
      await proxy.close();
      await server.close();
      await Deno.remove(work, { recursive: true });
    }
  },
});

/** Whether another client can take the cluster lock now (and gives it back). */
async function lockIsFree(store: Store): Promise<boolean> {
  const lock = await store.tryLock(CLUSTER_LOCK);
  await lock?.release();
  return lock !== null;
}

Deno.test({
  name: "sync fails, saying so, when the cluster stays unreachable past its timeout",
  ...options,
  async fn() {
    const server = await startZooKeeper();
    const work = await Deno.makeTempDir({ prefix: "clusterdeploy-sync-" });
    const store = await connectZooKeeper(server.connect, { sessionTimeoutMs: 4_000 });
    try {
      const repo = await bigRepo(work);
      const fault = atFirstProgress(() => server.stop());
      const { result, lines } = await runSync(store, repo.path, work, {
        timeoutMs: 1_500,
      }, fault.onLine);
      ok(await fault.struck(), lines.join("\n"));
      equal(result.status, "failed");
      equal(result.exitCode, 1);
      ok(
        lines.some((line) =>
          line.startsWith("ERROR Sync failed: ") &&
          line.includes("ZooKeeper unreachable for more than 1.5 s (--timeout)")
        ),
        lines.join("\n"),
      );
      await store.close();
      await server.start();
      const check = await connectZooKeeper(server.connect);
      try {
        equal(await check.get("/hosts"), null, "version not bumped");
        // The lock went with the sync's session.
        await waitFor("the cluster lock is free", () => lockIsFree(check));
      } finally {
        await check.close();
      }
    } finally {
      await store.close();
      await server.close();
      await Deno.remove(work, { recursive: true });
    }
  },
});

Deno.test({
  name: "sync fails, saying so, when its session expired (and the lock with it) mid-import",
  ...options,
  async fn() {
    const server = await startZooKeeper();
    const proxy = startTcpProxy(server.port);
    const work = await Deno.makeTempDir({ prefix: "clusterdeploy-sync-" });
    const direct = await connectZooKeeper(server.connect);
    const store = await connectZooKeeper(proxy.connect, { sessionTimeoutMs: 4_000 });
    try {
      const repo = await bigRepo(work);
      const fault = atFirstProgress(async () => {
        proxy.pause();
        // The server expires the unreachable session: the lock goes.
        await waitFor("the server expired the sync's session", () => lockIsFree(direct));
        proxy.resume();
      });
      const { result, lines } = await runSync(store, repo.path, work, {}, fault.onLine);
      ok(await fault.struck(), lines.join("\n"));
      equal(result.status, "failed");
      ok(
        lines.some((line) =>
          line.startsWith("ERROR Sync failed: ") && line.includes("ZooKeeper session expired")
        ),
        lines.join("\n"),
      );
      equal(await direct.get("/hosts"), null, "version not bumped");
      ok(await lockIsFree(direct));
    } finally {
      await store.close();
      await direct.close();
      await proxy.close();
      await server.close();
      await Deno.remove(work, { recursive: true });
    }
  },
});

Deno.test({
  name: "the re-read under the cluster lock rides out a connection lost right after the lock",
  ...options,
  async fn() {
    const server = await startZooKeeper();
    const proxy = startTcpProxy(server.port);
    const work = await Deno.makeTempDir({ prefix: "clusterdeploy-sync-" });
    const store = await connectZooKeeper(proxy.connect, { sessionTimeoutMs: 15_000 });
    try {
      await store.create("/hosts", '{"version":"v0"}');
      await store.create("/hosts/h1", '{"version":"v0"}'); // converged on v0
      const repo = await makeRepo(work);
      await repo.write("a.zk", "/a\n  x = 1\n");
      const commit = await repo.commit("a tree");
      let resumed: Promise<void> | undefined;
      // Once the lock is held, the next answer (the re-read of /hosts) is cut on its way back
      // and no connection is let through for a while.
      const cutAfterLock = new Proxy(store, {
        get(target, key) {
          if (key === "tryLock") {
            return async (name: string) => {
              const lock = await target.tryLock(name);
              proxy.cutAfter(0, { pause: true });
              resumed = new Promise((resolve) => setTimeout(() => resolve(proxy.resume()), 1_000));
              return lock;
            };
          }
          const value = Reflect.get(target, key);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
      const { result, lines } = await runSync(cutAfterLock, repo.path, work);
      await resumed;
      equal(proxy.cuts, 1, lines.join("\n"));
      equal(result.status, "synced", lines.join("\n"));
      ok(lines.includes("INFO Version mismatch detected, resyncing"), lines.join("\n"));
      equal((await getProperties(store, "/hosts"))?.version, commit);
      equal((await getProperties(store, "/a"))?.x, 1);
    } finally {
      await store.close();
      await proxy.close();
      await server.close();
      await Deno.remove(work, { recursive: true });
    }
  },
});
