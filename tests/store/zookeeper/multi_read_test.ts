/**
 * The `multiRead` wire format, byte for byte against frames built by hand from the jute
 * definitions (RequestHeader, MultiHeader, GetDataRequest, ReplyHeader, Stat, ...).
 *
 * Covers: lib/store/zookeeper/multi_read.ts.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  encodeMultiRead,
  ERROR,
  GET_CHILDREN,
  GET_DATA,
  parseMultiRead,
} from "../../../lib/store/zookeeper/multi_read.ts";

const int = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const long = (high: number, low: number) => [...int(high), ...int(low)];
const text = (s: string) => [...int(s.length), ...[...s].map((c) => c.charCodeAt(0))];
const frame = (...body: number[]) => new Uint8Array([...int(body.length), ...body]);
/** MultiHeader{type, done, err}. */
const header = (
  type: number,
  done: boolean,
  err: number,
) => [...int(type), done ? 1 : 0, ...int(err)];
/** A Stat with the fields reads use; the zxids and times are filled with recognisable junk. */
const stat = (version: number, owner: number, dataLength: number, numChildren: number) => [
  ...long(0, 11), // czxid
  ...long(0, 12), // mzxid
  ...long(0, 13), // ctime
  ...long(0, 14), // mtime
  ...int(version),
  ...int(77), // cversion
  ...int(78), // aversion
  ...long(0, owner), // ephemeralOwner
  ...int(dataLength),
  ...int(numChildren),
  ...long(0, 15), // pzxid
];

Deno.test("multiRead request: header, one MultiHeader and request per op, end marker", () => {
  const bytes = encodeMultiRead(7, [
    { type: GET_DATA, path: "/a" },
    { type: GET_CHILDREN, path: "/bc" },
  ]);
  const expected = frame(
    ...int(7), // xid
    ...int(22), // multiRead
    ...header(4, false, -1),
    ...text("/a"),
    0, // watch
    ...header(8, false, -1),
    ...text("/bc"),
    0,
    ...header(-1, true, -1),
  );
  assert.deepEqual([...bytes], [...expected]);
  assert.equal(bytes.length, 54);
});

Deno.test("multiRead request: paths are UTF-8 with their byte length", () => {
  const bytes = encodeMultiRead(1, [{ type: GET_DATA, path: "/é" }]);
  assert.deepEqual(
    [...bytes.subarray(21, 28)],
    [0, 0, 0, 3, "/".charCodeAt(0), 0xc3, 0xa9],
  );
});

Deno.test("multiRead response: data, children, error and null data results", () => {
  const reply = frame(
    ...int(7),
    ...long(0x01020304, 0x05060708), // zxid
    ...int(0),
    ...header(4, false, 0),
    ...text("hi"),
    ...stat(3, 0x99, 2, 1),
    ...header(8, false, 0),
    ...int(2),
    ...text("b"),
    ...text("a"),
    ...header(-1, false, -101),
    ...int(-101),
    ...header(4, false, 0),
    ...int(-1), // null data
    ...stat(0, 0, 0, 0),
    ...header(-1, true, -1),
  );
  const parsed = parseMultiRead(reply);
  assert.deepEqual(parsed, {
    xid: 7,
    zxid: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]),
    err: 0,
    results: [
      {
        type: GET_DATA,
        data: new TextEncoder().encode("hi"),
        stat: { version: 3, ephemeralOwner: 0x99n, numChildren: 1, ctime: 13, mtime: 14 },
      },
      { type: GET_CHILDREN, children: ["b", "a"] },
      { type: ERROR, err: -101 },
      {
        type: GET_DATA,
        data: new Uint8Array(0),
        stat: { version: 0, ephemeralOwner: 0n, numChildren: 0, ctime: 13, mtime: 14 },
      },
    ],
  });
});

Deno.test("multiRead response: an error of the whole request has no results", () => {
  const parsed = parseMultiRead(frame(...int(9), ...long(0, 5), ...int(-6)));
  assert.deepEqual(parsed.results, []);
  assert.equal(parsed.err, -6);
  assert.equal(parsed.xid, 9);
});

Deno.test("multiRead response: truncated or unknown results fail naming the offset", () => {
  const whole = [...int(7), ...long(0, 1), ...int(0), ...header(8, false, 0), ...int(1)];
  whole.push(...text("child"), ...header(-1, true, -1));
  assert.equal(parseMultiRead(frame(...whole)).results.length, 1);
  for (let cut = 1; cut < whole.length; cut++) {
    assert.throws(
      () => parseMultiRead(frame(...whole.slice(0, cut))),
      /malformed multiRead response: \d+ bytes wanted at offset \d+/,
      `cut at ${cut}`,
    );
  }
  assert.throws(
    () => parseMultiRead(frame(...int(7), ...long(0, 1), ...int(0), ...header(5, false, 0))),
    /malformed multiRead response: op type 5 \(err 0\) at offset 20/,
  );
});
