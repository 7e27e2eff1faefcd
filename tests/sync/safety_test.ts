/**
 * Sync never leaves the cluster half-applied or overrides an operator's or agent's stop, on a
 * real ZooKeeper server.
 *
 * Covers: lib/store/tree_io.ts, lib/store/types.ts, lib/sync/sync.ts, lib/tree/format.ts.
 */
import { deepEqual, equal } from "node:assert/strict";
import { readTree, setProperties } from "../../lib/store/tree_io.ts";
import type { Store, StoreOp } from "../../lib/store/types.ts";
import { CLUSTER_LOCK } from "../../lib/sync/sync.ts";
import { formatTree } from "../../lib/tree/format.ts";
import { makeRepo } from "../support/harness/git_repo.ts";
import { STORE_KINDS, type StoreFixture, zookeeperFixture } from "../support/harness/stores.ts";
import { runSync, snapshot, withSyncWork } from "../support/harness/sync_run.ts";

const options = { sanitizeOps: false, sanitizeResources: false };

const withCluster = (fn: (fixture: StoreFixture, work: string) => Promise<void>) =>
  withSyncWork(zookeeperFixture, fn);

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
      const { result } = await runSync(store, repo.path, work, {
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
      const { result, lines } = await runSync(store, `${work}/missing-repo`, work);
      equal(result.exitCode, 1);
      equal(lines.length, 1);
      equal(
        lines[0].startsWith("ERROR Could not update the tree checkout: git clone of"),
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
      const { result, lines } = await runSync(racing, repo.path, work);
      equal(result.status, "all-stop");
      equal(result.exitCode, 1);
      equal(
        lines.at(-1),
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
    const { result, lines: logged } = await runSync(store, repo.path, work);
    equal(result.status, "synced");
    const progress = logged.filter((l) => l.startsWith("INFO Imported "));
    // 2 501 creates of ~330 bytes do not fit in one ZooKeeper transaction.
    equal(progress.length >= 2, true, progress.join("\n"));
    equal(progress.at(-1), "INFO Imported 2501 of 2501 changes");
    const counts = progress.map((l) => Number(l.split(" ")[2]));
    deepEqual(counts, [...counts].sort((a, b) => a - b));
  });
});

/** Starts a process that holds the cluster lock; resolves once it has it. */
async function lockHolder(connect: string): Promise<Deno.ChildProcess> {
  const script = new URL("../support/harness/lock_holder.ts", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", script, connect, CLUSTER_LOCK],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const { value } = await reader.read();
  reader.releaseLock();
  equal(value?.trim(), "ready");
  return child;
}

for (const kind of STORE_KINDS) {
  Deno.test(
    `on ${kind.name}: sync refuses while another process holds the cluster lock, and runs once that process has died`,
    options,
    async () => {
      await withSyncWork(kind.make, async (fixture, work) => {
        const store = await fixture.open();
        const repo = await makeRepo(work);
        await repo.write("a.zk", "/a\n");
        await repo.commit("a");
        const sync = async () => {
          const { result, lines } = await runSync(store, repo.path, work);
          return { result, last: lines.at(-1) };
        };
        const holder = await lockHolder(fixture.connect);
        const refused = await sync();
        equal(refused.result.status, "locked");
        equal(refused.last, "ERROR Refused to update zookeeper tree, couldn't obtain cluster lock");
        equal(await store.get("/a"), null);

        holder.kill("SIGKILL"); // a crash: nothing is released on purpose
        await holder.status;
        let outcome = await sync();
        // ZooKeeper frees it when the dead process's session expires (1.5 s here).
        for (let i = 0; i < 100 && outcome.result.status === "locked"; i++) {
          await new Promise((r) => setTimeout(r, 100));
          outcome = await sync();
        }
        equal(outcome.result.status, "synced");
        equal(await store.get("/a") !== null, true);
      });
    },
  );
}
