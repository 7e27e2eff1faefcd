/**
 * Sync's import planned a few top-level subtrees at a time: the same changes, in the same order,
 * and the same deployments as one diff of the whole trees — `.zkx` layers over any top-level
 * node and live-only subtrees included — while no read of the live tree spans two groups, and
 * the first pass keeps where each top-level node is written, not the tree.
 *
 * Covers: lib/sync/grouped_plan.ts, lib/sync/tree_scan.ts, lib/tree/load.ts,
 *   lib/cluster/deployment_keys.ts.
 */
import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { deploymentsByKey } from "../../lib/cluster/mod.ts";
import { readTopLevel, toStoreOps, writeTree } from "../../lib/store/tree_io.ts";
import { RESERVED_TOP_LEVEL } from "../../lib/cluster/mod.ts";
import { applyOps } from "../../lib/tree/apply.ts";
import { diffTrees } from "../../lib/tree/diff.ts";
import { parseTree } from "../../lib/tree/parse.ts";
import { planByGroups } from "../../lib/sync/grouped_plan.ts";
import { scanTreeFiles } from "../../lib/sync/tree_scan.ts";
import { listTreeFiles, readDesiredTree } from "../../lib/sync/tree_files.ts";
import { CountingStore } from "../support/harness/counting_store.ts";
import { localFixture } from "../support/harness/stores.ts";

const FILES: Record<string, string> = {
  "a.zk": "/alpha : z4m\n  version = '1'\n  /deploy\n    /host0\n/beta\n  x = 1\n  /kid\n",
  "b.zk": "/gamma : z4m cms\n  version = '2'\n  /deploy\n    /host1\n      n = 2\n  /old\n",
  "c.zkx": "/alpha\n  version = '3'\n/delta\n  y = 2\n/gamma\n  /deploy\n    /host2\n",
};
const LIVE = "/beta\n  x = 0\n  /gone\n    /deeper\n/gamma : z4m cms\n  version = '2'\n" +
  "  /old\n/live_only : pkg\n  version = '9'\n  /deploy\n    /host3\n";

async function withCase(fn: (store: CountingStore, dir: string) => Promise<void>) {
  const fixture = await localFixture();
  const dir = await Deno.makeTempDir({ prefix: "clusterdeploy-grouped-" });
  const store = new CountingStore(await fixture.open());
  try {
    for (const [name, text] of Object.entries(FILES)) {
      await Deno.writeTextFile(`${dir}/${name}`, text);
    }
    await writeTree(store, parseTree(LIVE));
    await fn(store, dir);
  } finally {
    await store.close();
    await fixture.close();
    await Deno.remove(dir, { recursive: true });
  }
}

for (const groupNodes of [1, 3, 10_000]) {
  Deno.test(`planned by groups of ${groupNodes} nodes: the whole diff's changes and deployments`, async () => {
    await withCase(async (store, dir) => {
      const list = await listTreeFiles(dir);
      const desired = await readDesiredTree(dir, list);
      const live = await readTopLevel(store, RESERVED_TOP_LEVEL);
      const whole = diffTrees(desired, live, { trim: true });
      const scan = await scanTreeFiles(dir, list);
      store.reset();
      const plan = await planByGroups(store, scan, { groupNodes });
      deepEqual(plan.changes, toStoreOps(whole.ops));
      equal(plan.count, whole.ops.length);
      deepEqual(plan.deployments, deploymentsByKey(applyOps(live, whole.ops)));
      if (groupNodes === 1) {
        // Each read of the live tree stays inside one top-level subtree.
        for (const paths of store.reads.slice(1)) {
          const tops = new Set(paths.map((path) => path.split("/")[1]));
          equal(tops.size, 1, paths.join(" "));
        }
      } else if (groupNodes === 10_000) {
        // One group: the reads of one level-by-level read of the whole tree.
        equal(store.reads.length, 1 + 3);
      }
    });
  });
}

Deno.test("the first pass keeps where each top-level node is written, layers in order", async () => {
  await withCase(async (_store, dir) => {
    const scan = await scanTreeFiles(dir, await listTreeFiles(dir));
    deepEqual([...scan.tops.keys()], ["alpha", "beta", "gamma", "delta"]);
    const alpha = scan.tops.get("alpha")!;
    deepEqual(alpha.base, { file: "a.zk", offset: 0, line: 1 });
    deepEqual(alpha.layers, [{ file: "c.zkx", offset: 0, line: 1 }]);
    const beta = scan.tops.get("beta")!;
    equal(beta.base?.line, 5);
    equal(beta.base?.offset, FILES["a.zk"].indexOf("/beta"));
    equal(beta.nodes, 2);
    equal(scan.tops.get("delta")!.base, undefined);
  });
});

Deno.test("a layer's value is checked once layered: it may fix the base, or break it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "clusterdeploy-grouped-" });
  try {
    await Deno.writeTextFile(`${dir}/a.zk`, "/app : z4m\n  version = '../x'\n  /deploy\n    /h\n");
    await Deno.writeTextFile(`${dir}/b.zkx`, "/app\n  version = '1.0'\n");
    await scanTreeFiles(dir, await listTreeFiles(dir));
    await Deno.writeTextFile(`${dir}/b.zkx`, "/app\n  version = '..'\n");
    await rejects(scanTreeFiles(dir, await listTreeFiles(dir)), /^TreeSyntaxError: b\.zkx:2:3: /);
    await Deno.remove(`${dir}/b.zkx`);
    await rejects(scanTreeFiles(dir, await listTreeFiles(dir)), /^TreeSyntaxError: a\.zk:2:3: /);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a layered node over the size limit is refused by the first pass", async () => {
  const dir = await Deno.makeTempDir({ prefix: "clusterdeploy-grouped-" });
  try {
    await Deno.writeTextFile(`${dir}/a.zk`, `/app\n  x = '${"a".repeat(60)}'\n`);
    await Deno.writeTextFile(`${dir}/b.zkx`, `/app\n  y = '${"b".repeat(60)}'\n`);
    const error = await scanTreeFiles(dir, await listTreeFiles(dir), { maxNodeBytes: 100 }).then(
      () => undefined,
      (e) => e,
    );
    ok(error instanceof Error);
    equal(
      error.message,
      "a.zk:1:1: node /app holds 135 bytes of data, over the store's limit of 100 bytes (--max-node-bytes)",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
