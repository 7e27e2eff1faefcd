/**
 * `tree import` planned a few top-level subtrees at a time: the same printed plan (extras last)
 * and the same operations as one diff of the whole trees, under `/` and under a path, with and
 * without `--trim`; each live read stays inside one group.
 *
 * Covers: lib/operator/tree_import.ts, lib/tree/load.ts.
 */
import { deepEqual, equal } from "node:assert/strict";
import { planTreeImport, rebaseOps } from "../../lib/operator/tree_import.ts";
import { readTree, toStoreOps, writeTree } from "../../lib/store/tree_io.ts";
import { diffTrees, formatDiff } from "../../lib/tree/diff.ts";
import { loadTreeStream, openTreeFile } from "../../lib/tree/load.ts";
import { parseTree } from "../../lib/tree/parse.ts";
import { CountingStore } from "../support/harness/counting_store.ts";
import { localFixture } from "../support/harness/stores.ts";

const TEXT = "/b\n  x = 1\n  /kid\n/a : z4m\n  v = '2'\n  /new\n/c\n";
const LIVE = "/a : z4m\n  v = '1'\n  /old\n    /deeper\n/c\n  /stale\n/other\n";

for (const at of ["/", "/under/here"]) {
  for (const trim of [false, true]) {
    Deno.test(`tree import by groups at ${at}${trim ? " --trim" : ""}: the whole diff's plan`, async () => {
      const fixture = await localFixture();
      const dir = await Deno.makeTempDir({ prefix: "clusterdeploy-import-" });
      const store = new CountingStore(await fixture.open());
      try {
        await Deno.writeTextFile(`${dir}/t.zk`, TEXT);
        await writeTree(store, parseTree(LIVE), at);
        const desired = parseTree(TEXT);
        const live = { ...(await readTree(store, at, { ephemeral: true })), name: "" };
        live.properties = {};
        const diff = diffTrees(desired, live, { trim });
        const ops = rebaseOps(diff.ops, at);
        const expected = formatDiff({ ops, extra: diff.extra.map((p) => at === "/" ? p : at + p) });

        const tops = new Map();
        await loadTreeStream(await openTreeFile(`${dir}/t.zk`), "t.zk", {
          onTopLevel: (node, offset) =>
            tops.set(node.name, {
              at: { file: "t.zk", offset, line: node.source!.line },
              nodes: 1,
            }),
        });
        const lines: string[] = [];
        store.reset();
        const changes = await planTreeImport(store, { kind: "file", path: `${dir}/t.zk`, tops }, {
          at,
          trim,
          maxNodeBytes: 1_000_000,
          out: (line) => lines.push(line),
          groupNodes: 1,
        });
        deepEqual(lines, expected);
        deepEqual(changes, toStoreOps(ops));
        for (const paths of store.reads) {
          const tops = new Set(paths.map((p) => p.slice(at === "/" ? 0 : at.length).split("/")[1]));
          equal(tops.size, 1, paths.join(" "));
        }
        // Held whole (standard input): the same.
        const whole: string[] = [];
        await planTreeImport(store, { kind: "tree", tree: desired }, {
          at,
          trim,
          maxNodeBytes: 1_000_000,
          out: (line) => whole.push(line),
        });
        deepEqual(whole, expected);
      } finally {
        await store.close();
        await fixture.close();
        await Deno.remove(dir, { recursive: true });
      }
    });
  }
}
