/**
 * Reading many subtrees costs one read per depth level, not one per subtree and level: for
 * `readTrees` itself, for the agent's walk and for sync's read of the live tree (an unchanged
 * re-sync reads as many times for 40 top-level nodes as for 4).
 *
 * Covers: lib/agent/desired.ts, lib/store/tree_io.ts.
 */
import { deepEqual, equal } from "node:assert/strict";
import { TreeWalkSource } from "../../lib/agent/desired.ts";
import { readTree, readTrees } from "../../lib/store/tree_io.ts";
import { generateTrees } from "../../bench/tree_gen.ts";
import { importTree } from "../support/harness/agent_cluster.ts";
import { CountingStore } from "../support/harness/counting_store.ts";
import { makeRepo } from "../support/harness/git_repo.ts";
import { localFixture, zookeeperFixture } from "../support/harness/stores.ts";
import { syncCommit } from "../support/harness/sync_run.ts";

const shape = (customers: number) => ({ customers, apps: 3, hosts: 2 });

Deno.test({
  name: "readTrees and the agent's walk: one read per level for all subtrees together",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const fixture = await localFixture();
    try {
      const store = new CountingStore(await fixture.open());
      for (const text of generateTrees(shape(12)).values()) await importTree(store, text);
      const paths = Array.from({ length: 12 }, (_, c) => `/cust${c}`);
      store.reset();
      const trees = await readTrees(store, [...paths, "/missing"]);
      // tops, then /custN/appM and /db, then settings/deploy/…, then deploy children: 4 levels.
      equal(store.reads.length, 4);
      equal(trees.at(-1), null);
      for (const [i, path] of paths.entries()) deepEqual(trees[i], await readTree(store, path));
      store.reset();
      await new TreeWalkSource(store).read({ id: "host1", name: "x", role: null });
      equal(store.reads.length, 5, "the root, then the four levels");
    } finally {
      await fixture.close();
    }
  },
});

Deno.test({
  name: "an unchanged re-sync reads as many times for 40 top-level nodes as for 4",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const counts: number[] = [];
    for (const customers of [4, 40]) {
      const fixture = await zookeeperFixture();
      const work = await Deno.makeTempDir({ prefix: "clusterdeploy-reads-" });
      try {
        const store = new CountingStore(await fixture.open());
        const repo = await makeRepo(work);
        for (const [name, text] of generateTrees(shape(customers))) await repo.write(name, text);
        await syncCommit(store, repo, work, "first");
        store.reset();
        await syncCommit(store, repo, work, "nothing changed");
        counts.push(store.reads.length);
      } finally {
        await fixture.close();
        await Deno.remove(work, { recursive: true });
      }
    }
    equal(counts[1], counts[0], `reads for 4 and 40 top-level nodes: ${counts.join(", ")}`);
  },
});
