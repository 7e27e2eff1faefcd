/**
 * Property values: Python-style literals read and printed.
 *
 * Covers: lib/tree/value.ts.
 */
import assert from "node:assert/strict";
import { formatValue, parseValue, readValue, ValueSyntaxError } from "../../lib/tree/value.ts";

Deno.test("parseValue reads every literal kind", () => {
  assert.equal(parseValue("'single'"), "single");
  assert.equal(parseValue('"double"'), "double");
  assert.equal(parseValue("u'unicode prefix'"), "unicode prefix");
  assert.equal(parseValue("42"), 42);
  assert.equal(parseValue("-7"), -7);
  assert.equal(parseValue("2.5"), 2.5);
  assert.equal(parseValue("1e3"), 1000);
  assert.equal(parseValue("True"), true);
  assert.equal(parseValue("False"), false);
  assert.equal(parseValue("None"), null);
  assert.deepEqual(parseValue("[1, 'a', [None]]"), [1, "a", [null]]);
  assert.deepEqual(parseValue("(1, 2)"), [1, 2]);
  assert.deepEqual(parseValue("(1,)"), [1]);
  assert.deepEqual(parseValue("()"), []);
  assert.equal(parseValue("(3)"), 3, "parentheses around one value are just grouping");
  assert.deepEqual(parseValue("{'a': 1, \"b\": {'c': (True,)}}"), { a: 1, b: { c: [true] } });
  assert.deepEqual(parseValue("[1, 2,]"), [1, 2], "a trailing comma is allowed");
});

Deno.test("parseValue decodes backslash escapes as Python does", () => {
  assert.equal(parseValue(String.raw`'it\'s'`), "it's");
  assert.equal(parseValue(String.raw`"say \"hi\""`), 'say "hi"');
  assert.equal(parseValue(String.raw`'a\nb\tc\\d'`), "a\nb\tc\\d");
  assert.equal(parseValue(String.raw`'\x41\u00e9\U0001F600\101'`), "Aé😀A");
  assert.equal(parseValue(String.raw`'\q'`), "\\q", "unknown escapes keep their backslash");
  assert.equal(parseValue("'# not a comment'"), "# not a comment");
});

Deno.test("readValue stops after the value and reports where it ended", () => {
  assert.deepEqual(readValue("x = 'a' # comment", 3), { value: "a", end: 7 });
});

Deno.test("parseValue rejects malformed values with the offset of the problem", () => {
  const cases: [string, number, RegExp][] = [
    ["'open", 0, /unterminated string: expected a closing '/],
    ["[1, 2", 0, /unterminated list: expected '\]'/],
    ["{'a': 1", 0, /unterminated dict/],
    ["(1 2)", 3, /expected ',' or '\)' in tuple, found '2'/],
    ["hello", 0, /found bare word 'hello'/],
    ["toString", 0, /found bare word 'toString'/],
    ["true", 0, /found bare word 'true'/],
    ["{1: 2}", 1, /dict keys must be strings/],
    ["12abc", 2, /bad number/],
    ["'a' 'b'", 4, /unexpected ''' after value/],
    ["", 0, /expected a value .*found end of line/],
    [String.raw`'\x4'`, 1, /\\x needs 2 hex digits/],
  ];
  for (const [text, offset, message] of cases) {
    assert.throws(() => parseValue(text), (error: unknown) => {
      assert.ok(error instanceof ValueSyntaxError, text);
      assert.equal(error.offset, offset, text);
      assert.match(error.reason, message);
      return true;
    });
  }
});

Deno.test("formatValue prints like Python's repr", () => {
  assert.equal(formatValue("x"), "'x'");
  assert.equal(formatValue("it's"), `"it's"`);
  assert.equal(formatValue(`both ' and "`), String.raw`'both \' and "'`);
  assert.equal(formatValue('say "hi"'), `'say "hi"'`);
  assert.equal(formatValue("a\nb\t\\\x00\x7f"), String.raw`'a\nb\t\\\x00\x7f'`);
  assert.equal(formatValue("café"), "'café'");
  assert.equal(formatValue(1), "1");
  assert.equal(formatValue(-3), "-3");
  assert.equal(formatValue(1e21), "1000000000000000000000", "integers never print as exponents");
  assert.equal(formatValue(2.5), "2.5");
  assert.equal(formatValue(null), "None");
  assert.equal(formatValue(true), "True");
  assert.equal(formatValue(false), "False");
  assert.equal(formatValue([1, "a", [], null]), "[1, 'a', [], None]");
  assert.equal(formatValue({ a: 1, b: { c: [false] } }), "{'a': 1, 'b': {'c': [False]}}");
});

Deno.test("formatValue output parses back to the same value", () => {
  const values = ["", "it's", `"q"`, "\\\n\x01é", 0, -12, 0.25, true, null, [[1], { k: "v" }], {
    "a'b": [],
  }];
  for (const value of values) assert.deepEqual(parseValue(formatValue(value)), value);
});
