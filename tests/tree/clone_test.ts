/**
 * The plain copies that replaced `structuredClone` copy everything and share nothing; the
 * byte count that replaced encoding every op agrees with the encoder.
 *
 * Covers: lib/store/tree_io.ts, lib/tree/clone.ts, lib/tree/parse.ts.
 */
import { deepEqual, equal, notEqual } from "node:assert/strict";
import { cloneTree, cloneValue } from "../../lib/tree/clone.ts";
import { parseTree } from "../../lib/tree/parse.ts";
import { utf8Length } from "../../lib/store/tree_io.ts";

Deno.test("cloneTree copies properties, children, flags and sources, sharing nothing", () => {
  const tree = parseTree(
    `/a : z4m cms\n  version = '1.0'\n  opts = {'x': [1, {'y': None}], 'z': True}\n  /b\n    n = 2\n`,
    "t.zk",
  );
  tree.children.get("a")!.ephemeral = true;
  const copy = cloneTree(tree);
  deepEqual(copy, structuredClone(tree));
  const opts = copy.children.get("a")!.properties.opts as { x: [number, { y: null }] };
  opts.x[1].y = null;
  (opts.x as unknown[]).push(3);
  notEqual(opts, tree.children.get("a")!.properties.opts);
  deepEqual(tree.children.get("a")!.properties.opts, { x: [1, { y: null }], z: true });
  copy.children.get("a")!.children.delete("b");
  equal(tree.children.get("a")!.children.size, 1);
  deepEqual(cloneValue([1, "a", null, false, { k: [2] }]), [1, "a", null, false, { k: [2] }]);
});

Deno.test("utf8Length agrees with TextEncoder, lone surrogates included", () => {
  const encoder = new TextEncoder();
  for (
    const text of [
      "",
      "abc",
      "é",
      "€",
      "😀",
      "a😀b",
      "\ud800x",
      "x\udc00",
      "\ud800",
      "\u07ff\u0800",
    ]
  ) equal(utf8Length(text), encoder.encode(text).length, JSON.stringify(text));
});
