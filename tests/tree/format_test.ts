/**
 * Printing trees as the seeds' `print_tree` does.
 *
 * Covers: lib/tree/codec.ts, lib/tree/format.ts, lib/tree/model.ts, lib/tree/parse.ts.
 */
import assert from "node:assert/strict";
import { decodeProperties } from "../../lib/tree/codec.ts";
import { formatProperty, formatTree } from "../../lib/tree/format.ts";
import { emptyNode, nodeAt, type Properties, type TreeNode } from "../../lib/tree/model.ts";
import { parseTree } from "../../lib/tree/parse.ts";

const TREES = new URL("../../testdata/trees/", import.meta.url);

/** Adds a child to `parent` and returns it. */
function add(parent: TreeNode, name: string, properties: Properties = {}, ephemeral = false) {
  const child = emptyNode(name, properties);
  if (ephemeral) child.ephemeral = true;
  parent.children.set(name, child);
  return child;
}

/** Drops `source` recursively, so parsed trees can be compared by content. */
function content(node: TreeNode): unknown {
  return {
    name: node.name,
    properties: node.properties,
    children: [...node.children.values()].sort((a, b) => a.name < b.name ? -1 : 1).map(content),
  };
}

Deno.test("every print_tree output in the seeds is reproduced exactly", async (t) => {
  // For each output, `<name>.seed` is the seed's text (with u'' strings), `<name>.out` the
  // expected print (''), and `<name>.path` the path print_tree was given.
  const names: string[] = [];
  for await (const entry of Deno.readDir(TREES)) {
    if (entry.name.endsWith(".seed")) names.push(entry.name.slice(0, -".seed".length));
  }
  assert.equal(names.length, 11, "eight outputs in the agent seed, three in the sync seed");
  for (const name of names.sort()) {
    await t.step(name, async () => {
      const read = (ext: string) => Deno.readTextFile(new URL(name + ext, TREES));
      const [seed, expected, path] = [await read(".seed"), await read(".out"), await read(".path")];
      const root = parseTree(seed, name + ".seed");
      assert.equal(formatTree(root, { path: path.trim(), ephemeral: true }), expected);
    });
  }
});

Deno.test("every seed tree prints in canonical form that reads back the same", async () => {
  for await (const entry of Deno.readDir(TREES)) {
    if (!/\.zkx?$/.test(entry.name)) continue;
    const root = parseTree(await Deno.readTextFile(new URL(entry.name, TREES)), entry.name);
    const printed = formatTree(root);
    assert.deepEqual(content(parseTree(printed)), content(root), entry.name);
    assert.doesNotMatch(printed, /u'/, `${entry.name} prints strings without the u prefix`);
  }
});

Deno.test("a seed tree with irregular indentation prints with two spaces per level", async () => {
  const root = parseTree(await Deno.readTextFile(new URL("agent_tree_04.zk", TREES)));
  assert.equal(
    formatTree(root, { path: "/cust2" }),
    [
      "/cust2",
      "  /someapp",
      "    /cms : z4m",
      "      version = '1.0.0'",
      "      /deploy",
      "        /424242424242",
      "          n = 3",
      "    /monitor : z4mmonitor",
      "      version = '1.1.0'",
      "      /deploy",
      "        /424242424242",
      "",
    ].join("\n"),
  );
});

Deno.test("the sync seed's first print, from a tree built like its state", async () => {
  const root = emptyNode();
  add(add(root, "zookeeper"), "quota");
  const locks = add(root, "ZktoolsLocks", decodeProperties("zktools ZLock dir"));
  add(locks, ",hosts", decodeProperties("lock"));
  add(root, "extra_thing_that_should_be_ignored");
  add(add(root, "bar"), "bar");
  add(nodeAt(root, "/bar")!, "ham");
  add(add(root, "foo"), "bar");
  add(root, "hosts", { version: "deadbeef" });
  const expected = await Deno.readTextFile(new URL("sync_print_01.out", TREES));
  assert.equal(formatTree(root), expected);
});

Deno.test("the agent seed's /hosts prints, with and without the ephemeral host node", async () => {
  const root = emptyNode();
  const hosts = add(root, "hosts", { version: 1 });
  add(hosts, "424242424242", { version: 1, role: "cache", name: "host42" }, true);
  const read = (name: string) => Deno.readTextFile(new URL(name, TREES));
  // print_tree shows ephemeral nodes; once the agent closes, its node is gone.
  assert.equal(
    formatTree(root, { path: "/hosts", ephemeral: true }),
    await read("agent_print_07.out"),
  );
  assert.equal(formatTree(root, { path: "/hosts" }), await read("agent_print_08.out"));
});

Deno.test("formatTree orders properties, then links, then children, each by name", () => {
  const root = emptyNode();
  const lb = add(root, "lb", {
    "threads =>": "/fooservice threads",
    zeta: [1, "a"],
    "alpha ->": "/cms",
    type: "ipvs",
    beta: { k: null },
    alpha: true,
  });
  add(lb, "pools");
  add(lb, "Apools");
  add(root, "cms", { type: "z4m cms" });
  assert.equal(
    formatTree(root),
    [
      "/cms : z4m cms",
      "/lb : ipvs",
      "  alpha = True",
      "  beta = {'k': None}",
      "  zeta = [1, 'a']",
      "  alpha -> /cms",
      "  threads => /fooservice threads",
      "  /Apools",
      "  /pools",
      "",
    ].join("\n"),
  );
});

Deno.test("formatTree prints a non-string type as an ordinary property", () => {
  const root = emptyNode();
  add(root, "a", { type: 3 });
  assert.equal(formatTree(root), "/a\n  type = 3\n");
});

Deno.test("formatTree omits /zookeeper at the root only, and ephemeral nodes unless asked", () => {
  const root = emptyNode();
  add(add(root, "zookeeper"), "quota");
  const app = add(root, "app");
  add(app, "zookeeper");
  add(app, "session", {}, true);
  assert.equal(formatTree(root), "/app\n  /zookeeper\n");
  assert.equal(formatTree(root, { ephemeral: true }), "/app\n  /session\n  /zookeeper\n");
});

Deno.test("formatTree with a path prints that node under its full path", () => {
  const root = parseTree("/a\n  /b\n    x = 1\n    /c\n");
  assert.equal(formatTree(root, { path: "/a/b" }), "/a/b\n  x = 1\n  /c\n");
  assert.equal(formatTree(root, { path: "a/b/" }), "/a/b\n  x = 1\n  /c\n");
  assert.equal(formatTree(root, { path: "/" }), formatTree(root));
  assert.throws(() => formatTree(root, { path: "/a/nope" }), /no node at \/a\/nope/);
});

Deno.test("formatTree of an empty tree is the empty string", () => {
  assert.equal(formatTree(emptyNode()), "");
});

Deno.test("formatProperty writes links bare and values as literals", () => {
  assert.equal(formatProperty("x ->", "/a"), "x -> /a");
  assert.equal(formatProperty("x =>", "/a b"), "x => /a b");
  assert.equal(formatProperty("x", "/a"), "x = '/a'");
});

Deno.test("parseTree(formatTree(t)) reproduces t", () => {
  const root = emptyNode();
  const cms = add(root, "cms", {
    type: "z4m cms",
    text: 'it\'s a "test"\n\t\\ #1',
    int: -3,
    float: 2.5,
    yes: true,
    no: false,
    nothing: null,
    list: [1, "two", [3.5], { four: 4 }],
    dict: { a: [], "b'c": { d: null } },
    "providers ->": "../providers",
    "threads =>": "/fooservice threads",
  });
  add(add(cms, "deploy", { type: "z4m-4.0.0" }), "1.2.3.4:8080", { n: 3 });
  add(cms, ",hosts", { string_value: "lock" });
  add(root, "providers");
  const text = formatTree(root);
  assert.deepEqual(content(parseTree(text)), content(root));
  assert.equal(formatTree(parseTree(text)), text);
});
