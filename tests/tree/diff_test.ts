/**
 * Planning an import: the diff of a desired tree against the live one (what changes, and the
 * lines `sync --dry-run` prints), and applying it.
 *
 * Covers: lib/tree/apply.ts, lib/tree/diff.ts, lib/tree/format.ts, lib/tree/layer.ts, lib/tree/model.ts, lib/tree/parse.ts.
 */
import assert from "node:assert/strict";
import { applyOps } from "../../lib/tree/apply.ts";
import { diffTrees, formatDiff, valuesEqual } from "../../lib/tree/diff.ts";
import { formatTree } from "../../lib/tree/format.ts";
import { layerTree } from "../../lib/tree/layer.ts";
import { emptyNode, nodeAt, type TreeNode } from "../../lib/tree/model.ts";
import { parseTree } from "../../lib/tree/parse.ts";

const TREES = new URL("../../testdata/trees/", import.meta.url);
const readTree = async (name: string) =>
  parseTree(await Deno.readTextFile(new URL(name, TREES)), name);
const readText = (name: string) => Deno.readTextFile(new URL(name, TREES));

/** Marks the node at `path` ephemeral and returns the root. */
function ephemeral(root: TreeNode, path: string): TreeNode {
  nodeAt(root, path)!.ephemeral = true;
  return root;
}

Deno.test("equal trees need no operations", () => {
  const text = "/a : z4m\n  x = {'k': [1, 2], 'j': None}\n  /b\n";
  assert.deepEqual(diffTrees(parseTree(text), parseTree(text), { trim: true }), {
    ops: [],
    extra: [],
  });
});

Deno.test("property order does not matter, list order does", () => {
  const live = parseTree("/a\n  y = 2\n  x = {'p': 1, 'q': 2}\n");
  const same = parseTree("/a\n  x = {'q': 2, 'p': 1}\n  y = 2\n");
  assert.deepEqual(diffTrees(same, live, { trim: true }).ops, []);
  assert.ok(!valuesEqual([1, 2], [2, 1]));
  assert.ok(!valuesEqual({ a: null }, { b: null }));
  assert.ok(!valuesEqual({ a: [] }, { a: {} }));
});

Deno.test("missing nodes are created parents first, with their full properties", () => {
  const desired = parseTree("/a\n  /c : z4m\n    v = 1\n    /d\n  /b\n");
  const live = parseTree("/a\n");
  assert.deepEqual(diffTrees(desired, live, { trim: false }).ops, [
    { op: "create", path: "/a/b", properties: {} },
    { op: "create", path: "/a/c", properties: { type: "z4m", v: 1 } },
    { op: "create", path: "/a/c/d", properties: {} },
  ]);
});

Deno.test("differing properties are set whole, with what they were before", () => {
  const desired = parseTree("/a\n  version = '2.0'\n  n = 3\n");
  const live = parseTree("/a\n  version = '1.0'\n  old = 1\n");
  const diff = diffTrees(desired, live, { trim: false });
  assert.deepEqual(diff.ops, [
    {
      op: "set",
      path: "/a",
      properties: { version: "2.0", n: 3 },
      before: { version: "1.0", old: 1 },
    },
  ]);
  assert.deepEqual(formatDiff(diff), [
    "~ /a +n = 3",
    "~ /a -old = 1",
    "~ /a version: '1.0' -> '2.0'",
  ]);
});

Deno.test("properties the text does not have are removed", () => {
  const diff = diffTrees(parseTree("/a\n"), parseTree("/a\n  gone = True\n"), { trim: false });
  assert.deepEqual(diff.ops, [{ op: "set", path: "/a", properties: {}, before: { gone: true } }]);
});

Deno.test("with trim, live-only subtrees are deleted children first", () => {
  const desired = parseTree("/a\n  /keep\n");
  const live = parseTree("/a\n  /keep\n  /old\n    /x\n      /y\n    /w\n  /older\n");
  assert.deepEqual(diffTrees(desired, live, { trim: true }), {
    ops: [
      { op: "delete", path: "/a/old/w" },
      { op: "delete", path: "/a/old/x/y" },
      { op: "delete", path: "/a/old/x" },
      { op: "delete", path: "/a/old" },
      { op: "delete", path: "/a/older" },
    ],
    extra: [],
  });
});

Deno.test("without trim, only the top of each live-only subtree is reported as extra", () => {
  const desired = parseTree("/a\n  /keep\n");
  const live = parseTree("/a\n  /keep\n    /inner\n  /old\n    /x\n");
  const diff = diffTrees(desired, live, { trim: false });
  assert.deepEqual(diff, { ops: [], extra: ["/a/keep/inner", "/a/old"] });
  assert.deepEqual(formatDiff(diff), [
    "extra path not trimmed: /a/keep/inner",
    "extra path not trimmed: /a/old",
  ]);
});

Deno.test("live top-level nodes that the desired tree does not name are never touched", () => {
  const desired = parseTree("/a\n");
  const live = parseTree("/a\n/other\n  /x\n");
  live.children.set("zookeeper", emptyNode("zookeeper")); // a tree file may not name it
  assert.deepEqual(diffTrees(desired, live, { trim: true }), { ops: [], extra: [] });
  assert.deepEqual(diffTrees(desired, live, { trim: false }), { ops: [], extra: [] });
});

Deno.test("trim never deletes ephemeral nodes or nodes holding one", () => {
  const desired = parseTree("/hosts\n  version = 2\n");
  const live = ephemeral(
    parseTree("/hosts\n  version = 2\n  /group\n    /plain\n    /sub\n      /host1\n  /stale\n"),
    "/hosts/group/sub/host1",
  );
  ephemeral(live, "/hosts/stale");
  assert.deepEqual(diffTrees(desired, live, { trim: true }).ops, [
    { op: "delete", path: "/hosts/group/plain" },
  ]);
  // Without trim, what trim would delete is what gets reported.
  assert.deepEqual(diffTrees(desired, live, { trim: false }).extra, ["/hosts/group/plain"]);
});

Deno.test("paths the keep predicate accepts are neither deleted nor reported", () => {
  const desired = parseTree("/a\n");
  const live = parseTree("/a\n  /locks\n    /l1\n  /b\n    /kept\n    /gone\n  /c\n");
  const keep = (path: string) => path === "/a/locks" || path.endsWith("/kept");
  assert.deepEqual(diffTrees(desired, live, { trim: true, keep }).ops, [
    { op: "delete", path: "/a/b/gone" },
    { op: "delete", path: "/a/c" },
  ]);
  assert.deepEqual(diffTrees(desired, live, { trim: false, keep }).extra, ["/a/b/gone", "/a/c"]);
});

Deno.test("a full plan: creates, sets and deletes in tree order, and its dry-run text", () => {
  const desired = parseTree("/app : z4m\n  version = '2.0'\n  /deploy\n    /h1\n      n = 2\n");
  const live = parseTree("/app : z4m\n  version = '1.0'\n  /deploy\n    /h0\n  /junk\n");
  const diff = diffTrees(desired, live, { trim: true });
  assert.deepEqual(diff.ops.map((op) => `${op.op} ${op.path}`), [
    "set /app",
    "create /app/deploy/h1",
    "delete /app/deploy/h0",
    "delete /app/junk",
  ]);
  assert.deepEqual(formatDiff(diff), [
    "~ /app version: '1.0' -> '2.0'",
    "+ /app/deploy/h1",
    "+ /app/deploy/h1 n = 2",
    "- /app/deploy/h0",
    "- /app/junk",
  ]);
});

Deno.test("formatDiff shows links as tree lines and a changed link as removed then added", () => {
  const desired = parseTree("/a\n  p -> /new\n/b\n  type = 'z4m'\n  q => /x y\n");
  const live = parseTree("/a\n  p -> /old\n");
  assert.deepEqual(formatDiff(diffTrees(desired, live, { trim: true })), [
    "~ /a -p -> /old",
    "~ /a +p -> /new",
    "+ /b",
    "+ /b q => /x y",
    "+ /b type = 'z4m'",
  ]);
});

Deno.test("diffTrees does not change its inputs, and ops do not share their objects", () => {
  const desired = parseTree("/a\n  x = [1]\n  /b\n");
  const live = parseTree("/a\n  x = [2]\n");
  const before = [formatTree(desired), formatTree(live)];
  const diff = diffTrees(desired, live, { trim: true });
  const set = diff.ops[0];
  assert.equal(set.op, "set");
  if (set.op === "set") (set.properties.x as number[]).push(9);
  assert.deepEqual([formatTree(desired), formatTree(live)], before);
});

Deno.test("the agent seed: a trim import removes the monitor and leaves /hosts alone", async () => {
  const live = await readTree("agent_print_01.seed");
  ephemeral(live, "/hosts/424242424242");
  const desired = await readTree("agent_tree_01.zk");
  const diff = diffTrees(desired, live, { trim: true });
  assert.deepEqual(diff.ops, [
    { op: "delete", path: "/cust/someapp/monitor/deploy/424242424242" },
    { op: "delete", path: "/cust/someapp/monitor/deploy" },
    { op: "delete", path: "/cust/someapp/monitor" },
  ]);
});

Deno.test("the sync seed: importing bar.zk and foo.zk over the live tree prints as the seed shows", async () => {
  let live = emptyNode();
  live = applyOps(live, [
    { op: "create", path: "/zookeeper", properties: {} },
    { op: "create", path: "/ZktoolsLocks", properties: { string_value: "zktools ZLock dir" } },
    { op: "create", path: "/ZktoolsLocks/,hosts", properties: { string_value: "lock" } },
    { op: "create", path: "/extra_thing_that_should_be_ignored", properties: {} },
  ]);
  /** Imports the files with trim: the .zk trees together, with the .zkx layers over them. */
  const sync = async (files: string[], version: string) => {
    let desired = emptyNode();
    for (
      const file of [
        ...files.filter((f) => f.endsWith(".zk")),
        ...files.filter((f) => f.endsWith(".zkx")),
      ]
    ) {
      desired = layerTree(desired, await readTree(file));
    }
    live = applyOps(live, diffTrees(desired, live, { trim: true }).ops);
    const hosts = parseTree(`/hosts\n  version = '${version}'`);
    live = applyOps(live, diffTrees(hosts, live, { trim: false }).ops);
  };

  await sync(["sync_bar_1.zk", "sync_foo.zk"], "deadbeef");
  assert.equal(formatTree(live), await readText("sync_print_01.out"));

  await sync(["sync_bar_2.zk", "sync_foo.zk"], "0defaced");
  assert.equal(formatTree(live), await readText("sync_print_02.out"));

  // The hosts report in; then foo.zkx adds /foo/beep over foo.zk instead of replacing it.
  live = applyOps(live, diffTrees(await readTree("sync_tree_03.zk"), live, { trim: true }).ops);
  await sync(["sync_foo.zkx", "sync_bar_2.zk", "sync_foo.zk"], "aceace42");
  assert.equal(formatTree(live), await readText("sync_print_03.out"));
});
