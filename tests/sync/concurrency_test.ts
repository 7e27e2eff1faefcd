/**
 * Syncs at the same time: one sync at a time per checkout (a slow `git` on PATH makes the runs
 * overlap), and two syncs of one cluster decide again under the cluster lock. And a git remote
 * that accepts and never answers ends in a timeout that says so.
 *
 * Covers: lib/git_runner.ts, lib/log.ts, lib/proc/real.ts, lib/store/tree_io.ts,
 *   lib/store/types.ts, lib/sync/git.ts, lib/sync/sync.ts, lib/tree/codec.ts, sync.ts.
 */
import { equal, match, throws } from "node:assert/strict";
import { GitRunner } from "../../lib/git_runner.ts";
import { memoryLogger } from "../../lib/log.ts";
import { RealRunner } from "../../lib/proc/real.ts";
import { setProperties } from "../../lib/store/tree_io.ts";
import type { Store } from "../../lib/store/types.ts";
import { validateRepoUrl } from "../../lib/sync/git.ts";
import { syncRepository } from "../../lib/sync/sync.ts";
import { decodeProperties } from "../../lib/tree/codec.ts";
import { runEntrypoint } from "../support/harness/cli.ts";
import { makeRepo } from "../support/harness/git_repo.ts";
import { localFixture, STORE_KINDS } from "../support/harness/stores.ts";
import { waitFor } from "../support/harness/wait.ts";
import { runSync, withSyncWork } from "../support/harness/sync_run.ts";

const options = { sanitizeOps: false, sanitizeResources: false };

Deno.test("one sync at a time per checkout: the others say so and exit 0", options, async () => {
  await withSyncWork(localFixture, async (fixture, work) => {
    const repo = await makeRepo(work);
    await repo.write("a.zk", "/a\n");
    await repo.commit("a");
    // A git that announces itself, then takes its time.
    const bin = `${work}/bin`;
    await Deno.mkdir(bin);
    await Deno.writeTextFile(
      `${bin}/git`,
      `#!/bin/sh\ntouch "${work}/git-started"\nsleep 2\nexec /usr/bin/git "$@"\n`,
    );
    await Deno.chmod(`${bin}/git`, 0o755);
    const treeDir = `${work}/trees`;
    const sync = () =>
      runEntrypoint("sync.ts", ["--store", fixture.connect, "--tree-dir", treeDir, repo.path], {
        env: { PATH: `${bin}:${Deno.env.get("PATH")}` },
      });
    const first = sync();
    await waitFor(
      "the first sync to run git",
      () => Deno.stat(`${work}/git-started`).then(() => true, () => false),
      20_000,
    );
    const others = await Promise.all([sync(), sync()]);
    const winner = await first;
    equal(winner.code, 0, winner.stderr);
    match(winner.stderr, /INFO Version mismatch detected, resyncing/);
    for (const run of others) {
      equal(run.code, 0, run.stderr);
      equal(run.stderr, `INFO Another sync is running for ${treeDir}\n`);
    }
    // The checkout is free again afterwards.
    const again = await runEntrypoint("sync.ts", [
      "--store",
      fixture.connect,
      "--tree-dir",
      treeDir,
      repo.path,
    ]);
    equal(again.code, 0, again.stderr);
  });
});

/** A store whose first `tryLock` first lets `meanwhile` run: another sync getting in between. */
function interleaved(store: Store, meanwhile: () => Promise<void>): Store {
  let done = false;
  return new Proxy(store, {
    get(target, key) {
      if (key === "tryLock") {
        return async (name: string) => {
          if (!done) {
            done = true;
            await meanwhile();
          }
          return target.tryLock(name);
        };
      }
      // Getters run on the store itself (its private fields are not the proxy's).
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

for (const kind of STORE_KINDS) {
  Deno.test(
    `on ${kind.name}: of two syncs at once, the one that waited decides again under the lock`,
    options,
    async () => {
      await withSyncWork(kind.make, async (fixture, work) => {
        const store = await fixture.open();
        await store.create("/hosts", '{"version":"v0"}');
        await store.create("/hosts/h1", '{"version":"v0"}'); // converged on v0
        const repos = [await makeRepo(work, "one"), await makeRepo(work, "two")];
        const commits: string[] = [];
        for (const [i, repo] of repos.entries()) {
          await repo.write("a.zk", `/a\n  from = ${i}\n`);
          commits.push(await repo.commit(`tree ${i}`));
        }
        const sync = (i: number, s: Store) =>
          runSync(s, repos[i].path, work, { treeDir: `${work}/trees-${i}` });
        let second;
        const first = await sync(
          0,
          interleaved(store, async () => {
            second = await sync(1, store);
          }),
        );
        equal(second!.result.status, "synced");
        // h1 has not reached the second sync's version: the first must not go through.
        equal(first.result.status, "not-converged", first.lines.join("\n"));
        equal(
          first.lines.at(-1),
          `ERROR Version mismatch detected, can't resync since host h1 has not converged ` +
            `(v0 -> ${commits[1]})`,
        );
        const hosts = await store.get("/hosts");
        equal(decodeProperties(hosts!.data).version, commits[1]);
        equal(decodeProperties((await store.get("/a"))!.data).from, 1);
        // Once the host has converged, the first goes through.
        await setProperties(store, "/hosts/h1", { version: commits[1] });
        equal((await sync(0, store)).result.status, "synced");
      });
    },
  );
}

Deno.test(
  "a git remote that accepts and never answers ends in --git-timeout",
  options,
  async () => {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const held: Deno.Conn[] = [];
    const accepting = (async () => {
      for await (const conn of listener) held.push(conn); // never answers
    })();
    const fixture = await localFixture();
    const work = await Deno.makeTempDir({ prefix: "clusterdeploy-sync-" });
    try {
      const log = memoryLogger();
      const result = await syncRepository({
        store: await fixture.open(),
        runner: new GitRunner(new RealRunner(), { timeoutS: 1 }),
        log,
        repoUrl: `http://127.0.0.1:${listener.addr.port}/tree.git`,
        treeDir: `${work}/trees`,
      });
      equal(result.status, "failed");
      match(
        log.lines.join("\n"),
        /ERROR Could not update the tree checkout: git clone of http:\/\/127\.0\.0\.1:\d+\/tree\.git failed \(git exit 124\): git timed out after 1 s \(--git-timeout\)/,
      );
      equal(held.length > 0, true, "git did connect");
    } finally {
      listener.close();
      for (const conn of held) conn.close();
      await accepting.catch(() => {});
      await fixture.close();
      await Deno.remove(work, { recursive: true });
    }
  },
);

Deno.test("fd:: and ext:: remotes are refused by name", () => {
  for (const url of ["fd::0", "fd::3,4", "ext::sh", "ext::ssh%20-x", "foo::bar"]) {
    throws(() => validateRepoUrl(url), /remote helper transports are refused/, url);
  }
});
