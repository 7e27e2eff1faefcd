/**
 * Parsing tree text: nodes, types, properties, links, and errors at file:line:col.
 *
 * Covers: lib/tree/model.ts, lib/tree/parse.ts.
 */
import assert from "node:assert/strict";
import { nodeAt, type TreeNode, TreeSyntaxError } from "../../lib/tree/model.ts";
import { parseTree } from "../../lib/tree/parse.ts";

const TREES = new URL("../../testdata/trees/", import.meta.url);

/** The names of a node's children, sorted. */
function childNames(node: TreeNode | undefined): string[] {
  assert.ok(node, "node exists");
  return [...node.children.keys()].sort();
}

Deno.test("parseTree reads the spec's example: types, properties, links and nesting", () => {
  const root = parseTree(
    [
      "/lb : ipvs                       # node with a type",
      "  /pools",
      "    /cms",
      "      # a comment line",
      "      address = '1.2.3.4:80'     # property",
      "      providers -> /cms/providers   # symbolic link",
      "      threads => /fooservice   threads # property link",
      "/cms : z4m cms",
      "  threads = 3",
      "",
      "  /providers",
    ].join("\n"),
    "spec.zk",
  );
  assert.equal(root.name, "");
  assert.deepEqual(childNames(root), ["cms", "lb"]);
  assert.deepEqual(nodeAt(root, "/lb")?.properties, { type: "ipvs" });
  assert.deepEqual(nodeAt(root, "/lb/pools/cms")?.properties, {
    address: "1.2.3.4:80",
    "providers ->": "/cms/providers",
    "threads =>": "/fooservice threads",
  });
  assert.deepEqual(nodeAt(root, "/cms")?.properties, { type: "z4m cms", threads: 3 });
  assert.deepEqual(childNames(nodeAt(root, "/cms")), ["providers"]);
  assert.deepEqual(nodeAt(root, "/cms/providers")?.source, {
    file: "spec.zk",
    line: 11,
    column: 3,
  });
});

Deno.test("parseTree accepts irregular indentation as long as siblings line up", () => {
  // As in the agent seed: children of /cms at column 8, of /deploy at column 11.
  const root = parseTree(lines([
    "/cust",
    "  /someapp",
    "    /cms : z4m",
    "       version = '1.0.0'",
    "       /deploy",
    "          /424242424242",
    "            n = 3",
    "    /monitor",
  ]));
  assert.deepEqual(nodeAt(root, "/cust/someapp/cms")?.properties, {
    type: "z4m",
    version: "1.0.0",
  });
  assert.deepEqual(nodeAt(root, "/cust/someapp/cms/deploy/424242424242")?.properties, { n: 3 });
  assert.deepEqual(childNames(nodeAt(root, "/cust/someapp")), ["cms", "monitor"]);
});

Deno.test("parseTree accepts a tree whose top level is itself indented", () => {
  // The sync seed's trees are written three spaces in.
  const root = parseTree("   /hosts\n     version = u'feed1234'\n     /1.2.3.4\n");
  assert.deepEqual(nodeAt(root, "/hosts")?.properties, { version: "feed1234" });
  assert.deepEqual(childNames(nodeAt(root, "/hosts")), ["1.2.3.4"]);
});

Deno.test("parseTree allows any name character but '/' and whitespace", () => {
  const root = parseTree("/ZktoolsLocks\n  /,hosts\n/hosts\n  /1.2.3.4:8080\n  /424242424242\n");
  assert.deepEqual(childNames(nodeAt(root, "/ZktoolsLocks")), [",hosts"]);
  assert.deepEqual(childNames(nodeAt(root, "/hosts")), ["1.2.3.4:8080", "424242424242"]);
});

Deno.test("parseTree reads '/name: type' like '/name : type', but keeps colons inside names", () => {
  const root = parseTree("/cms: z4m\n/1.2.3.4:8080\n/a:b  # comment\n");
  assert.deepEqual(childNames(root), ["1.2.3.4:8080", "a:b", "cms"]);
  assert.deepEqual(nodeAt(root, "/cms")?.properties, { type: "z4m" });
});

Deno.test("parseTree keeps '#' inside quoted strings and drops trailing comments", () => {
  const root = parseTree("/a   # a node\n  s = 'x # y'  # comment\n  t = \"#\"\n");
  assert.deepEqual(nodeAt(root, "/a")?.properties, { s: "x # y", t: "#" });
});

Deno.test("parseTree lets properties and child nodes interleave", () => {
  const root = parseTree("/a\n  x = 1\n  /b\n    y = 2\n  z = 3\n");
  assert.deepEqual(nodeAt(root, "/a")?.properties, { x: 1, z: 3 });
  assert.deepEqual(nodeAt(root, "/a/b")?.properties, { y: 2 });
});

Deno.test("parseTree of empty or comment-only text is an empty root", () => {
  assert.equal(parseTree("").children.size, 0);
  assert.equal(parseTree("\n# nothing\n   \n").children.size, 0);
});

Deno.test("every tree in the seeds parses", async () => {
  let count = 0;
  for await (const entry of Deno.readDir(TREES)) {
    if (!/\.zkx?$/.test(entry.name)) continue;
    const text = await Deno.readTextFile(new URL(entry.name, TREES));
    const root = parseTree(text, entry.name);
    assert.ok(root.children.size > 0, `${entry.name} has top-level nodes`);
    count++;
  }
  assert.ok(count >= 30, `found ${count} seed trees`);
});

Deno.test("a seed tree parses to the nodes and properties it shows", async () => {
  const text = await Deno.readTextFile(new URL("agent_tree_04.zk", TREES));
  const root = parseTree(text, "agent_tree_04.zk");
  assert.deepEqual(childNames(root), ["cust", "cust2"]);
  assert.deepEqual(childNames(nodeAt(root, "/cust2/someapp")), ["cms", "monitor"]);
  assert.deepEqual(nodeAt(root, "/cust2/someapp/cms")?.properties, {
    type: "z4m",
    version: "1.0.0",
  });
  assert.deepEqual(nodeAt(root, "/cust2/someapp/cms/deploy/424242424242")?.properties, { n: 3 });
});

/** Each error case: the text, the expected line:column, and the expected message. */
const ERRORS: [string, string, string, RegExp][] = [
  ["tab in indentation", "/a\n\t/b\n", "2:1", /tab in indentation/],
  ["tab after spaces", "/a\n  \t/b\n", "2:3", /tab in indentation/],
  ["no-break space", "/a\n \u00a0/b\n", "2:2", /character U\+00A0 in indentation/],
  [
    "dedent to no open level",
    "/a\n    /b\n  /c\n",
    "3:3",
    /bad indentation: column 3 matches no enclosing level \(expected column 5 or 1\)/,
  ],
  [
    "dedent between two levels",
    "/a\n  /b\n    /c\n   /d\n",
    "4:4",
    /column 4 matches no enclosing level \(expected column 5 or 3 or 1\)/,
  ],
  [
    "duplicate node",
    "/a\n  /b\n  /b\n",
    "3:3",
    /duplicate node \/a\/b \(first defined at line 2\)/,
  ],
  ["duplicate top-level node", "/a\n/a\n", "2:1", /duplicate node \/a/],
  ["duplicate property", "/a\n  x = 1\n  x = 2\n", "3:3", /duplicate property 'x' on \/a/],
  ["type given twice", "/a : z4m\n  type = 'x'\n", "2:3", /duplicate property 'type' on \/a/],
  ["property at top level", "x = 1\n", "1:1", /property 'x' at top level/],
  [
    "indented under a property",
    "/a\n  x = 1\n    /b\n",
    "3:5",
    /indented under a property line \(line 2\)/,
  ],
  ["unterminated string", "/a\n  x = 'abc\n", "2:7", /unterminated string: expected a closing '/],
  ["bad value", "/a\n  x = hello\n", "2:7", /bad value for 'x': .*found bare word 'hello'/],
  [
    "text after value",
    "/a\n  x = 1 2\n",
    "2:9",
    /expected end of line or '# comment' after the value of 'x'/,
  ],
  ["multi-line list", "/a\n  x = [1,\n    2]\n", "2:7", /unterminated list: .*one line/],
  ["name with a space", "/my node\n", "1:5", /node names cannot contain spaces/],
  ["name with a slash", "/a/b\n", "1:3", /node name 'a\/b' contains '\/'/],
  ["empty name", "/\n", "1:1", /expected a node name after '\/'/],
  ["empty name before type", "/a\n  / : z4m\n", "2:3", /expected a node name/],
  ["dot name", "/a\n  /..\n", "2:4", /'\.\.' is not a valid node name/],
  ["empty type", "/a :\n", "1:4", /expected type text after ':'/],
  ["no operator", "/a\n  x 1\n", "2:5", /expected '=', '->' or '=>' after property name 'x'/],
  ["no property name", "/a\n  = 1\n", "2:3", /expected a node line/],
  ["link without target", "/a\n  x ->\n", "2:7", /expected one target path after 'x ->'/],
  ["property link with too much", "/a\n  x => /b c d\n", "2:7", /expected '\/path \[property\]'/],
];

Deno.test("parseTree errors name file, line, column and what was expected", async (t) => {
  for (const [label, text, position, message] of ERRORS) {
    await t.step(label, () => {
      assert.throws(() => parseTree(text, "bad.zk"), (error: unknown) => {
        assert.ok(error instanceof TreeSyntaxError, `${label}: ${error}`);
        const [line, column] = position.split(":").map(Number);
        assert.deepEqual(error.location, { file: "bad.zk", line, column });
        assert.match(error.reason, message);
        assert.equal(error.message, `bad.zk:${position}: ${error.reason}`);
        return true;
      });
    });
  }
});

Deno.test("parseTree names '<string>' as the file when none is given", () => {
  assert.throws(() => parseTree("x = 1"), /^TreeSyntaxError: <string>:1:1: property 'x'/);
});

function lines(lines: string[]): string {
  return lines.join("\n") + "\n";
}
