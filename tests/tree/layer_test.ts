/**
 * Layering `.zkx` trees over the `.zk` tree.
 *
 * Covers: lib/tree/format.ts, lib/tree/layer.ts, lib/tree/parse.ts.
 */
import assert from "node:assert/strict";
import { formatTree } from "../../lib/tree/format.ts";
import { layerTree } from "../../lib/tree/layer.ts";
import { parseTree } from "../../lib/tree/parse.ts";

Deno.test("layerTree adds the layer's nodes and keeps the base's", () => {
  // The sync seed: foo.zk is "/foo /bar", foo.zkx is "/foo /beep".
  const layered = layerTree(parseTree("/foo\n  /bar\n"), parseTree("/foo\n  /beep\n"));
  assert.equal(formatTree(layered), "/foo\n  /bar\n  /beep\n");
});

Deno.test("layerTree overrides and adds properties, recursively, keeping the rest", () => {
  const base = parseTree(
    "/app : z4m\n  version = '1.0'\n  threads = 2\n  /deploy\n    /h1\n      n = 1\n/other\n",
  );
  const layer = parseTree(
    "/app\n  version = '2.0'\n  staging = True\n  /deploy\n    /h1\n      n = 3\n    /h2\n/new\n",
  );
  assert.equal(
    formatTree(layerTree(base, layer)),
    [
      "/app : z4m",
      "  staging = True",
      "  threads = 2",
      "  version = '2.0'",
      "  /deploy",
      "    /h1",
      "      n = 3",
      "    /h2",
      "/new",
      "/other",
      "",
    ].join("\n"),
  );
});

Deno.test("layerTree changes neither input and shares no objects with them", () => {
  const base = parseTree("/a\n  x = [1]\n  /b\n");
  const layer = parseTree("/a\n  y = [2]\n  /c\n");
  const [baseText, layerText] = [formatTree(base), formatTree(layer)];
  const result = layerTree(base, layer);
  (result.children.get("a")!.properties.x as number[]).push(5);
  (result.children.get("a")!.properties.y as number[]).push(5);
  result.children.get("a")!.children.get("c")!.properties.z = 1;
  assert.equal(formatTree(base), baseText);
  assert.equal(formatTree(layer), layerText);
});
