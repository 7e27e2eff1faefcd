/**
 * Applying planned tree operations to an in-memory tree.
 *
 * Covers: lib/tree/apply.ts, lib/tree/format.ts, lib/tree/parse.ts.
 */
import assert from "node:assert/strict";
import { applyOps } from "../../lib/tree/apply.ts";
import { formatTree } from "../../lib/tree/format.ts";
import { parseTree } from "../../lib/tree/parse.ts";

Deno.test("applyOps creates, sets and deletes nodes in a copy of the tree", () => {
  const live = parseTree("/a\n  x = 1\n  /old\n");
  const result = applyOps(live, [
    { op: "create", path: "/a/b", properties: { type: "z4m" } },
    { op: "set", path: "/a", properties: { x: 2 }, before: { x: 1 } },
    { op: "delete", path: "/a/old" },
  ]);
  assert.equal(formatTree(result), "/a\n  x = 2\n  /b : z4m\n");
  assert.equal(formatTree(live), "/a\n  x = 1\n  /old\n", "the input is unchanged");
});

Deno.test("applyOps refuses operations that do not fit the tree", () => {
  const live = parseTree("/a\n  /b\n");
  assert.throws(
    () => applyOps(live, [{ op: "create", path: "/a/b", properties: {} }]),
    /cannot create \/a\/b: node exists/,
  );
  assert.throws(
    () => applyOps(live, [{ op: "create", path: "/x/y", properties: {} }]),
    /cannot create \/x\/y: no parent node/,
  );
  assert.throws(
    () => applyOps(live, [{ op: "set", path: "/a/c", properties: {}, before: {} }]),
    /cannot set \/a\/c: no such node/,
  );
  assert.throws(
    () => applyOps(live, [{ op: "delete", path: "/a" }]),
    /cannot delete \/a: node has children/,
  );
});
