/**
 * Sync never leaves the cluster half-applied or overrides an operator's or agent's stop, on a
 * real ZooKeeper server.
 */
import { deepEqual, equal } from "node:assert/strict";
import { memoryLogger } from "../lib/log.ts";
import { RealRunner } from "../lib/proc/real.ts";
import { readTree, setProperties } from "../lib/store/tree_io.ts";
import type { Store, StoreOp } from "../lib/store/types.ts";
import { syncRepository } from "../lib/sync/sync.ts";
import { formatTree } from "../lib/tree/format.ts";
import { makeRepo } from "./support/git_repo.ts";
import { type StoreFixture, zookeeperFixture } from "./support/stores.ts";

const options = { sanitizeOps: false, sanitizeResources: false };

async function withCluster(fn: (fixture: StoreFixture, work: string) => Promise<void>) {
  const fixture = await zookeeperFixture();
  const work = await Deno.makeTempDir({ prefix: "clusterdeploy-sync-" });
  try {
    await fn(fixture, work);
  } finally {
    await fixture.close();
    await Deno.remove(work, { recursive: true });
  }
}

/** Everything in the store, ephemeral nodes included, as text. */
async function snapshot(store: Store): Promise<string> {
  return formatTree(await readTree(store, "/", { ephemeral: true }), { ephemeral: true });
}

Deno.test(
  "a dry run on an empty cluster writes nothing at all, not even the lock nodes",
  options,
  async () => {
    await withCluster(async (fixture, work) => {
      const store = await fixture.open();
      const repo = await makeRepo(work);
      await repo.write("a.zk", "/a : z4m\n  version = '1'\n  /deploy\n");
      await repo.commit("a");
      const plan: string[] = [];
      const result = await syncRepository({
        store,
        runner: new RealRunner(),
        log: memoryLogger(),
        repoUrl: repo.path,
        treeDir: `${work}/trees`,
        dryRun: true,
        out: (line) => plan.push(line),
      });
      equal(result.status, "dry-run");
      equal(await snapshot(store), "");
      deepEqual(plan.slice(0, 3), ["+ /a", "+ /a type = 'z4m'", "+ /a version = '1'"]);
    });
  },
);

Deno.test(
  "an unreadable repository fails with exit 1 and leaves the store exactly as it was",
  options,
  async () => {
    await withCluster(async (fixture, work) => {
      const store = await fixture.open();
      await store.create("/hosts", JSON.stringify({ version: "v1" }));
      await store.create("/keep", "");
      const before = await snapshot(store);
      const log = memoryLogger();
      const result = await syncRepository({
        store,
        runner: new RealRunner(),
        log,
        repoUrl: `${work}/missing-repo`,
        treeDir: `${work}/trees`,
      });
      equal(result.exitCode, 1);
      equal(log.lines.length, 1);
      equal(
        log.lines[0].startsWith("ERROR Could not update the tree checkout: git clone of"),
        true,
      );
      equal(await snapshot(store), before);
    });
  },
);

Deno.test(
  "ALL STOP declared while sync imports is kept: the version is not bumped",
  options,
  async () => {
    await withCluster(async (fixture, work) => {
      const store = await fixture.open();
      const agent = await fixture.open();
      await store.create("/hosts", JSON.stringify({ version: "v1" }));
      const repo = await makeRepo(work);
      await repo.write("a.zk", "/a\n  /b\n");
      await repo.commit("a");
      // An agent fails and sets the cluster version to None right after the import's writes.
      const racing: Store = new Proxy(store, {
        get(target, name) {
          if (name === "multi") {
            return async (ops: readonly StoreOp[]) => {
              await target.multi(ops);
              await setProperties(agent, "/hosts", { version: null });
            };
          }
          const value = Reflect.get(target, name, target);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
      const log = memoryLogger();
      const result = await syncRepository({
        store: racing,
        runner: new RealRunner(),
        log,
        repoUrl: repo.path,
        treeDir: `${work}/trees`,
      });
      equal(result.status, "all-stop");
      equal(result.exitCode, 1);
      equal(
        log.lines.at(-1),
        "CRITICAL ALL STOP, cluster version became None during the sync; version not bumped",
      );
      // The import itself went in (it is not a version yet: agents only act on a bump).
      equal(await store.get("/a/b") !== null, true);
      deepEqual(
        formatTree({
          name: "",
          properties: {},
          children: new Map([["hosts", await readTree(store, "/hosts")]]),
        }),
        "/hosts\n  version = None\n",
      );
    });
  },
);

Deno.test("a large import reports its progress after each transaction", options, async () => {
  await withCluster(async (fixture, work) => {
    const store = await fixture.open();
    const repo = await makeRepo(work);
    const padding = "x".repeat(300);
    const lines = ["/big"];
    for (let i = 0; i < 2500; i++) lines.push(`  /n${i}`, `    note = '${padding}'`);
    await repo.write("big.zk", lines.join("\n") + "\n");
    await repo.commit("big");
    const log = memoryLogger();
    const result = await syncRepository({
      store,
      runner: new RealRunner(),
      log,
      repoUrl: repo.path,
      treeDir: `${work}/trees`,
    });
    equal(result.status, "synced");
    const progress = log.lines.filter((l) => l.startsWith("INFO Imported "));
    // 2 501 creates of ~330 bytes do not fit in one ZooKeeper transaction.
    equal(progress.length >= 2, true, progress.join("\n"));
    equal(progress.at(-1), "INFO Imported 2501 of 2501 changes");
    const counts = progress.map((l) => Number(l.split(" ")[2]));
    deepEqual(counts, [...counts].sort((a, b) => a - b));
  });
});
