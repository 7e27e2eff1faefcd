/**
 * What the parser accepts, the printer gives back: parse → print → parse gives the same tree and
 * the same stored node data, for the values the fuzzer found and for a few thousand seeded
 * random and mutated trees (`deno task fuzz` runs more).
 *
 * Covers: lib/tree/codec.ts, lib/tree/json.ts, lib/tree/parse.ts.
 */
import assert from "node:assert/strict";
import { decodeProperties, encodeProperties } from "../../lib/tree/codec.ts";
import { parseJson } from "../../lib/tree/json.ts";
import { parseTree } from "../../lib/tree/parse.ts";
import { fuzzRoundTrip, roundTripProblem } from "../support/harness/tree_fuzz.ts";

Deno.test("string_value properties that look like other data are stored so they read back", () => {
  for (const value of ["", "{}", '{"a": 1}', " {}", "plain", "{not json"]) {
    const properties = { string_value: value };
    assert.deepEqual(decodeProperties(encodeProperties(properties)), properties, value);
  }
  // Raw data written by other tools still reads as before.
  assert.deepEqual(decodeProperties("zktools ZLock dir"), { string_value: "zktools ZLock dir" });
  assert.equal(encodeProperties({ string_value: "zktools ZLock dir" }), "zktools ZLock dir");
});

Deno.test("numbers that cannot be stored as written are refused at parse time", () => {
  const refused = (text: string, reason: RegExp, column = 7) =>
    assert.throws(() => parseTree(`/a\n  x = ${text}\n`, "t.zk"), (e: Error) => {
      assert.match(e.message, new RegExp(`^t\\.zk:2:${column}: `));
      assert.match(e.message, reason);
      return true;
    });
  refused("1e999", /number 1e999 is out of range/);
  refused("-1e999", /out of range/);
  refused("9007199254740993", /cannot be stored exactly/);
  refused("[1, 99999999999999999999]", /cannot be stored exactly/, 11);
  // Exactly representable large integers and floats are kept.
  assert.equal(parseTree("/a\n  x = 9007199254740992\n").children.get("a")!.properties.x, 2 ** 53);
  assert.equal(parseTree("/a\n  x = -0\n").children.get("a")!.properties.x, 0);
});

Deno.test("the inputs the fuzzer found round-trip or are refused", () => {
  for (
    const text of [
      "/a\n  string_value = ''\n",
      "/a\n  string_value = '{}'\n",
      "/a\n  string_value = ' {\"x\": 1}'\n",
      "/a\n  x = 1e999\n",
      "/a\n  type = 'x # y'\n",
      "/a\n  type = ' padded '\n",
      "/a\n  type = ''\n",
      "/a\n  type = 'two\\nlines'\n",
      "/a: : t\n",
      "/a:\n",
      "/zookeeper\n",
      "/a\n  x = {'__proto__': 1}\n",
      "/a\n  __proto__ = 1\n",
      "/a\n  x = '\\ud800'\n",
      "/a\n  x = {'k': 1, '\\\\': 2}\n  y = {'k': 1, '\\n': 2}\n",
    ]
  ) {
    assert.equal(roundTripProblem(text), undefined, text);
  }
});

Deno.test("JSON keys of one escaped character read back right (a V8 JSON.parse bug)", () => {
  JSON.parse('{"k":1,"\\\\":2}'); // primes the bug
  assert.deepEqual(decodeProperties('{"k":1,"\\n":2}'), { k: 1, "\n": 2 });
  assert.deepEqual(parseJson('{"k":1,"\\u0041":[true,null,-1.5e3,"\\"\\/"]}'), {
    k: 1,
    A: [true, null, -1500, '"/'],
  });
  assert.throws(() => parseJson('{"\\n":}'), SyntaxError);
});

Deno.test("property: 3 000 seeded random and mutated trees round-trip", () => {
  const failures = fuzzRoundTrip(20261130, 3000);
  assert.deepEqual(failures.slice(0, 3), []);
});
