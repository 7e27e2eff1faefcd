/**
 * The frame splitter behind the ZooKeeper client fix: whole frames out, whatever the chunking.
 *
 * Covers: lib/store/zookeeper/wire_patch.ts.
 */
import { deepEqual, equal } from "node:assert/strict";
import { FrameSplitter } from "../../../lib/store/zookeeper/wire_patch.ts";

function frame(...body: number[]): number[] {
  return [0, 0, 0, body.length, ...body];
}

Deno.test("frames split across chunks, several in one chunk, and an empty frame", () => {
  const stream = [...frame(1, 2, 3), ...frame(), ...frame(9), ...frame(4, 5)];
  for (let cut = 1; cut < stream.length; cut++) {
    const splitter = new FrameSplitter();
    const out = [
      ...splitter.push(new Uint8Array(stream.slice(0, cut))),
      ...splitter.push(new Uint8Array(stream.slice(cut))),
    ].map((f) => [...f]);
    deepEqual(out, [frame(1, 2, 3), frame(), frame(9), frame(4, 5)], `cut at ${cut}`);
    equal(splitter.pending, 0);
  }
});

Deno.test("an unfinished frame is kept until the rest arrives, byte by byte", () => {
  const splitter = new FrameSplitter();
  const bytes = frame(7, 8, 9);
  for (const b of bytes.slice(0, -1)) deepEqual(splitter.push(new Uint8Array([b])), []);
  equal(splitter.pending, bytes.length - 1);
  deepEqual(splitter.push(new Uint8Array([9])).map((f) => [...f]), [bytes]);
});

Deno.test("a large frame in many chunks is joined once, with the next frame after it", () => {
  const body = new Uint8Array(100_000).map((_, i) => i % 251);
  const prefix = [0, 1, 0x86, 0xa0]; // 100 000
  const stream = new Uint8Array([...prefix, ...body, ...frame(1, 2)]);
  const splitter = new FrameSplitter();
  const out: Uint8Array[] = [];
  for (let at = 0; at < stream.length; at += 1_000) {
    out.push(...splitter.push(stream.subarray(at, at + 1_000)));
    if (at + 1_000 < 100_004) equal(out.length, 0);
  }
  deepEqual(out.map((f) => f.length), [100_004, 6]);
  deepEqual([...out[0].subarray(4)], [...body]);
  deepEqual([...out[1]], frame(1, 2));
  equal(splitter.pending, 0);
});
