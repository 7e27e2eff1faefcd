/**
 * Sync and `tree validate` refuse a bad rollout policy on an app node (`max_parallel`, `canary`,
 * `health_url`, `min_healthy_time`, `healthy_deadline`) with file:line:col, nothing written; a
 * good one syncs.
 *
 * Covers: lib/tree/rollout_values.ts, lib/tree/safe_values.ts, main.ts.
 */
import { deepEqual, equal, match } from "node:assert/strict";
import { runEntrypoint } from "../support/harness/cli.ts";
import { makeRepo } from "../support/harness/git_repo.ts";
import { localFixture } from "../support/harness/stores.ts";
import { runSync, snapshot, withSyncWork } from "../support/harness/sync_run.ts";

const app = (policy: string) =>
  `/cust\n  /app : z4m\n    version = '1'\n    ${policy}\n    /deploy\n      /h1\n`;

const BAD: { text: string; error: RegExp }[] = [
  { text: app("max_parallel = 0"), error: /^4:5: max_parallel 0 must be a whole number from 1/ },
  { text: app("max_parallel = 1.5"), error: /^4:5: max_parallel 1.5 must be a whole number/ },
  { text: app("max_parallel = '3'"), error: /^4:5: max_parallel '3' must be a whole number/ },
  { text: app("canary = -1"), error: /^4:5: canary -1 must be a whole number from 0/ },
  { text: app("healthy_deadline = 86401"), error: /^4:5: healthy_deadline 86401 must be/ },
  { text: app("min_healthy_time = -2"), error: /^4:5: min_healthy_time -2 must be/ },
  { text: app("health_url = 'ftp://x/'"), error: /^4:5: health_url 'ftp:\/\/x\/' must start/ },
  { text: app("health_url = 'http://x/a b'"), error: /^4:5: health_url .* whitespace/ },
  { text: app("health_url = 'http://x/\\u0001'"), error: /^4:5: health_url .* control/ },
];

Deno.test("sync refuses a bad rollout policy with file:line:col and writes nothing", async () => {
  await withSyncWork(localFixture, async (fixture, work) => {
    const store = await fixture.open();
    const repo = await makeRepo(work);
    await repo.write("good.zk", app("max_parallel = 3\n    health_url = 'http://127.0.0.1/h'"));
    await repo.commit("good");
    equal((await runSync(store, repo.path, work)).result.status, "synced");
    for (const c of BAD) {
      const before = await snapshot(store);
      await repo.write("bad.zk", c.text.replace("/cust", "/cust2"));
      await repo.commit("bad");
      const { result, lines } = await runSync(store, repo.path, work);
      equal(result.status, "failed", c.text);
      const error = lines.find((l) => l.startsWith("ERROR "))!;
      const prefix = "ERROR Refused to update zookeeper tree, bad tree file: bad.zk:";
      equal(error.startsWith(prefix), true, error);
      match(error.slice(prefix.length), c.error);
      equal(await snapshot(store), before);
    }
  });
});

Deno.test("tree validate refuses a bad rollout policy with file:line:col, exit 1", async () => {
  const dir = await Deno.makeTempDir({ prefix: "clusterdeploy-rollout-" });
  try {
    await Deno.writeTextFile(`${dir}/bad.zk`, app("canary = 'one'"));
    await Deno.writeTextFile(`${dir}/good.zk`, app("canary = 1").replace("/cust", "/c2"));
    const run = await runEntrypoint("main.ts", ["tree", "validate", `${dir}/bad.zk`]);
    equal(run.code, 1, run.stderr);
    deepEqual(run.stderr.trim().split("\n"), [
      `${dir}/bad.zk:4:5: canary 'one' must be a whole number from 0 to 10000 (on /cust/app)`,
    ]);
    equal((await runEntrypoint("main.ts", ["tree", "validate", `${dir}/good.zk`])).code, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
