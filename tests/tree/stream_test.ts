/**
 * Reading tree files as streams in bounded memory: lines split across chunks, strict UTF-8 with
 * the line of invalid bytes, an over-long line refused once the reader reaches the limit (not
 * after reading the line: the stream counts what is pulled and fails if read past it), a node
 * refused as soon as its properties are over `--max-node-bytes`, top-level subtrees handed over
 * one at a time.
 *
 * Covers: lib/tree/line_reader.ts, lib/tree/load.ts, lib/tree/parse.ts.
 */
import assert from "node:assert/strict";
import { maxLineBytes, readTreeLines } from "../../lib/tree/line_reader.ts";
import { loadTreeStream, parseTreeStream } from "../../lib/tree/load.ts";
import { TreeSyntaxError } from "../../lib/tree/model.ts";
import { TreeParser } from "../../lib/tree/parse.ts";

const encoder = new TextEncoder();

/** A stream of the given chunks, pulled one at a time (nothing read ahead). */
function chunks(...parts: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  const queue = parts.map((p) => typeof p === "string" ? encoder.encode(p) : p);
  return new ReadableStream({
    pull(controller) {
      const next = queue.shift();
      if (next === undefined) controller.close();
      else controller.enqueue(next);
    },
  }, { highWaterMark: 0 });
}

/**
 * A stream that gives `head`, then `chunk` forever; it counts the bytes pulled and errors once
 * more than `failAfter` were: a reader that builds the whole line never ends without that error.
 */
function endless(head: string, chunk: Uint8Array, failAfter: number) {
  const counter = { pulled: 0 };
  let first = true;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = first ? encoder.encode(head) : chunk;
      first = false;
      counter.pulled += next.length;
      if (counter.pulled > failAfter) {
        controller.error(new Error(`read past the limit: ${counter.pulled} bytes pulled`));
      } else controller.enqueue(next);
    },
  }, { highWaterMark: 0 });
  return { stream, counter };
}

async function allLines(stream: ReadableStream<Uint8Array>, limit = 1 << 20): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of readTreeLines(stream, "t.zk", limit)) out.push(...batch.lines);
  return out;
}

Deno.test("an endless line is refused at file:line:col once the limit is reached, not read whole", async () => {
  const maxNodeBytes = 1_000;
  const limit = maxLineBytes(maxNodeBytes);
  const chunk = new Uint8Array(16 * 1024).fill("y".charCodeAt(0));
  const { stream, counter } = endless("/a\n  x = '", chunk, limit * 4);
  const error = await parseTreeStream(stream, "big.zk", { maxNodeBytes }).then(
    () => assert.fail("an endless line was accepted"),
    (e) => e,
  );
  assert.ok(error instanceof TreeSyntaxError, String(error));
  assert.match(error.message, /^big\.zk:2:\d+: line longer than \d+ bytes/);
  assert.equal(error.location.column, limit + 1);
  assert.ok(
    counter.pulled <= limit + chunk.length,
    `${counter.pulled} bytes pulled, over the limit ${limit} + one chunk ${chunk.length}`,
  );
});

Deno.test("the line limit follows --max-node-bytes: 10 bytes of text per stored byte", () => {
  assert.ok(maxLineBytes(1_000_000) >= 10 * 1_000_000);
  assert.ok(maxLineBytes(1_000) < maxLineBytes(2_000));
});

Deno.test("a line as long as any storable node needs is accepted", async () => {
  // `\U00000041` is 10 characters of text for one stored byte: the worst a value can do.
  const maxNodeBytes = 1_000;
  const value = "\\U00000041".repeat(maxNodeBytes - 20);
  const tree = await parseTreeStream(chunks(`/a\n  x = '${value}'\n`), "ok.zk", { maxNodeBytes });
  assert.equal(tree.children.get("a")!.properties.x, "A".repeat(maxNodeBytes - 20));
});

Deno.test("lines split across chunks, CRLF, a byte order mark, no final newline", async () => {
  const lines = await allLines(
    chunks(new Uint8Array([0xef, 0xbb, 0xbf]), "/a\r", "\n  x", " = 1\n\n/b\n  y = 'caf", "é'"),
  );
  assert.deepEqual(lines, ["/a", "  x = 1", "", "/b", "  y = 'café'"]);
  // A multi-byte character cut between chunks.
  const e = encoder.encode("é");
  assert.deepEqual(await allLines(chunks("/a\n  x = '", e.subarray(0, 1), e.subarray(1), "'")), [
    "/a",
    "  x = 'é'",
  ]);
});

Deno.test("invalid UTF-8 names its line, whatever chunk it arrives in", async () => {
  const bad = (...parts: (string | Uint8Array)[]) =>
    allLines(chunks(...parts)).then(() => assert.fail("accepted"), (e) => e.message);
  assert.equal(
    await bad("/a\n/b\n", "/c\n  x = 'caf", new Uint8Array([0xe9, 0x27])),
    "t.zk:4:1: invalid UTF-8",
  );
  assert.equal(
    await bad("/a\n", new Uint8Array([0x2f, 0xff, 0x0a]), "/c\n"),
    "t.zk:2:1: invalid UTF-8",
  );
  // A sequence cut short by the end of the file.
  assert.equal(await bad("/a\n/b", new Uint8Array([0xc3])), "t.zk:2:1: invalid UTF-8");
});

Deno.test("a node is refused as soon as its properties are over the limit, at its node line", async () => {
  // Endless properties: the node is refused when the limit is crossed, the file never ends.
  let n = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (++n > 10_000) controller.error(new Error("read on past the node's limit"));
      else controller.enqueue(encoder.encode(n === 1 ? "/ok\n/a : z4m\n" : `  p${n} = 'v'\n`));
    },
  }, { highWaterMark: 0 });
  const error = await parseTreeStream(stream, "props.zk", { maxNodeBytes: 200 }).then(
    () => assert.fail("accepted"),
    (e) => e,
  );
  assert.match(
    error.message,
    /^props\.zk:2:1: node \/a holds 20\d bytes of data, over the store's limit of 200 bytes/,
  );
  assert.ok(n < 30, `${n} chunks read`);
});

Deno.test("the early size count is the stored size: a node exactly at the limit passes", async () => {
  // {"type":"z4m","x":"abc"} is 24 bytes; a lone string_value is stored raw.
  const text = "/a : z4m\n  x = 'abc'\n/b\n  string_value = 'hello'\n";
  await parseTreeStream(chunks(text), "t.zk", { maxNodeBytes: 24 });
  const error = await parseTreeStream(chunks(text), "t.zk", { maxNodeBytes: 23 }).then(
    () => assert.fail("accepted"),
    (e) => e,
  );
  assert.match(error.message, /^t\.zk:1:1: node \/a holds 24 bytes/);
  await parseTreeStream(chunks("/b\n  string_value = 'hello'\n"), "t.zk", { maxNodeBytes: 5 });
});

Deno.test("top-level subtrees are handed over one by one and dropped; duplicates still found", async () => {
  const seen: string[] = [];
  const root = await loadTreeStream(chunks("/a\n  /x\n/b\n  v = 1\n"), "t.zk", {
    onTopLevel: (node) => seen.push(`${node.name}:${[...node.children.keys()].join(",")}`),
  });
  assert.deepEqual(seen, ["a:x", "b:"]);
  assert.equal(root.children.size, 0);
  const parser = new TreeParser("t.zk", { onTopLevel: () => {} });
  parser.line("/a");
  parser.line("/b");
  assert.throws(
    () => parser.line("/a"),
    /^Error: t\.zk:3:1: duplicate node \/a \(first defined at line 1\)|t\.zk:3:1: duplicate node \/a/,
  );
});

Deno.test("values are checked per top-level subtree when they are handed over", async () => {
  const text = "/ok : z4m\n  /deploy\n/cust\n  /app : ../../victim\n    /deploy\n";
  const seen: string[] = [];
  const error = await loadTreeStream(chunks(text), "t.zk", { onTopLevel: (n) => seen.push(n.name) })
    .then(() => assert.fail("accepted"), (e) => e);
  assert.match(error.message, /^t\.zk:4:3: package name '\.\.\/\.\.\/victim' contains '\.\.'/);
  assert.deepEqual(seen, ["ok"]);
});
