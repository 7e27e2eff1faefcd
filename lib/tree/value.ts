/**
 * Property values in Python-literal syntax: reading them (never evaluating) and printing them
 * the way Python's `repr` does.
 *
 * Accepted: single- or double-quoted strings with backslash escapes (an optional `u`/`U`
 * prefix is ignored), integers, floats, `True`, `False`, `None`, `[...]` lists, `(...)` tuples
 * (read as arrays) and `{key: value}` dicts with string keys, nested freely. A value must fit
 * on one line.
 *
 * @module
 */
import type { Value } from "./model.ts";

/** A malformed value; `offset` is the 0-based index in the text where it went wrong. */
export class ValueSyntaxError extends Error {
  /** 0-based index into the text being read. */
  readonly offset: number;
  /** The message. */
  readonly reason: string;
  /** Makes the error; its message is `reason (at offset N)`. */
  constructor(offset: number, reason: string) {
    super(`${reason} (at offset ${offset})`);
    this.name = "ValueSyntaxError";
    this.offset = offset;
    this.reason = reason;
  }
}

/** The result of {@linkcode readValue}: the value and the index just after it. */
export interface ReadResult {
  /** The value read. */
  value: Value;
  /** Index of the first character after the value. */
  end: number;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  "\\": "\\",
  "'": "'",
  '"': '"',
  n: "\n",
  t: "\t",
  r: "\r",
  a: "\x07",
  b: "\b",
  f: "\f",
  v: "\v",
};

/**
 * The one depth limit of the tree format: nodes nested deeper, or values (lists, tuples, dicts)
 * nested deeper, are an error at parse time, so that every later step (printing, diffing,
 * storing) stays far from the stack's limit.
 */
export const MAX_DEPTH = 200;

const KEYWORDS = new Map<string, Value>([["True", true], ["False", false], ["None", null]]);
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/;
const WORD = /^[A-Za-z_][A-Za-z0-9_]*/;
const EXPECTED_VALUE = "expected a value (a quoted string, number, True, False, None, " +
  "[list], (tuple) or {dict})";

/**
 * Reads one value starting at `start` (leading spaces skipped); the text after it is left
 * for the caller. Throws {@linkcode ValueSyntaxError} on malformed input.
 */
export function readValue(text: string, start = 0): ReadResult {
  const reader = new Reader(text, start);
  const value = reader.value();
  return { value, end: reader.pos };
}

/**
 * Parses text that is exactly one value (surrounding spaces allowed). Throws
 * {@linkcode ValueSyntaxError} on malformed input or anything after the value.
 */
export function parseValue(text: string): Value {
  const reader = new Reader(text, 0);
  const value = reader.value();
  reader.skipSpaces();
  if (reader.pos < text.length) {
    throw new ValueSyntaxError(reader.pos, `unexpected ${describe(text[reader.pos])} after value`);
  }
  return value;
}

class Reader {
  #depth = 0;

  constructor(readonly text: string, public pos: number) {}

  /** Reads a nested value, refusing to go deeper than {@linkcode MAX_DEPTH}. */
  nested<T>(read: () => T): T {
    if (++this.#depth > MAX_DEPTH) {
      throw new ValueSyntaxError(this.pos, `values nested deeper than ${MAX_DEPTH} levels`);
    }
    try {
      return read();
    } finally {
      this.#depth--;
    }
  }

  skipSpaces(): void {
    while (
      this.pos < this.text.length && (this.text[this.pos] === " " || this.text[this.pos] === "\t")
    ) {
      this.pos++;
    }
  }

  value(): Value {
    this.skipSpaces();
    const c = this.text[this.pos];
    if (c === undefined) {
      throw new ValueSyntaxError(this.pos, `${EXPECTED_VALUE}, found end of line`);
    }
    if (c === "'" || c === '"') return this.string();
    if (
      (c === "u" || c === "U") &&
      (this.text[this.pos + 1] === "'" || this.text[this.pos + 1] === '"')
    ) {
      this.pos++;
      return this.string();
    }
    if (c === "[") return this.nested(() => this.sequence("]", "list"));
    if (c === "(") return this.nested(() => this.tuple());
    if (c === "{") return this.nested(() => this.dict());
    const rest = this.text.slice(this.pos);
    const number = NUMBER.exec(rest);
    if (number) {
      this.pos += number[0].length;
      if (WORD.test(this.text.slice(this.pos))) {
        throw new ValueSyntaxError(
          this.pos,
          `bad number: unexpected ${describe(this.text[this.pos])}`,
        );
      }
      return this.number(number[0], this.pos - number[0].length);
    }
    const word = WORD.exec(rest);
    if (word) {
      const literal = KEYWORDS.get(word[0]);
      if (literal === undefined) {
        throw new ValueSyntaxError(this.pos, `${EXPECTED_VALUE}, found bare word '${word[0]}'`);
      }
      this.pos += word[0].length;
      return literal;
    }
    throw new ValueSyntaxError(this.pos, `${EXPECTED_VALUE}, found ${describe(c)}`);
  }

  /**
   * A number literal, refused when it cannot be stored and read back as written: beyond the
   * float range, or an integer no double holds exactly (beyond ±2^53, JSON readers would lose
   * its last digits). `-0` is 0.
   */
  number(literal: string, at: number): number {
    const value = Number(literal);
    if (!Number.isFinite(value)) {
      throw new ValueSyntaxError(at, `number ${literal} is out of range`);
    }
    if (/^[+-]?\d+$/.test(literal) && BigInt(literal) !== BigInt(value)) {
      throw new ValueSyntaxError(
        at,
        `integer ${literal} cannot be stored exactly (beyond ±2^53); quote it as a string`,
      );
    }
    return value === 0 ? 0 : value;
  }

  string(): string {
    const start = this.pos;
    const quote = this.text[this.pos++];
    let out = "";
    while (true) {
      const c = this.text[this.pos];
      if (c === undefined) {
        throw new ValueSyntaxError(start, `unterminated string: expected a closing ${quote}`);
      }
      this.pos++;
      if (c === quote) {
        if (/[\ud800-\udfff]/.test(out.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ""))) {
          throw new ValueSyntaxError(start, "string holds a lone surrogate (not valid UTF-8)");
        }
        return out;
      }
      if (c !== "\\") {
        out += c;
        continue;
      }
      out += this.escape();
    }
  }

  escape(): string {
    const at = this.pos - 1;
    const c = this.text[this.pos];
    if (c === undefined) return "\\"; // reported as unterminated by the caller
    if (c in SIMPLE_ESCAPES) {
      this.pos++;
      return SIMPLE_ESCAPES[c];
    }
    const hexLength = c === "x" ? 2 : c === "u" ? 4 : c === "U" ? 8 : 0;
    if (hexLength > 0) {
      const digits = this.text.slice(this.pos + 1, this.pos + 1 + hexLength);
      if (!new RegExp(`^[0-9a-fA-F]{${hexLength}}$`).test(digits)) {
        throw new ValueSyntaxError(at, `bad escape: \\${c} needs ${hexLength} hex digits`);
      }
      const code = parseInt(digits, 16);
      if (code > 0x10ffff) {
        throw new ValueSyntaxError(at, `bad escape: \\${c}${digits} is too large`);
      }
      this.pos += 1 + hexLength;
      return String.fromCodePoint(code);
    }
    const octal = /^[0-7]{1,3}/.exec(this.text.slice(this.pos));
    if (octal) {
      this.pos += octal[0].length;
      return String.fromCharCode(parseInt(octal[0], 8));
    }
    return "\\"; // unknown escapes keep their backslash, as in Python
  }

  /** Reads comma-separated values up to `close`; the opening bracket is at `pos`. */
  sequence(close: string, what: string): Value[] {
    const open = this.pos++;
    return this.items(open, close, what, []);
  }

  /** Reads the rest of a sequence opened at `open`, after `items`, up to `close`. */
  items(open: number, close: string, what: string, items: Value[]): Value[] {
    while (true) {
      this.skipSpaces();
      if (this.text[this.pos] === close) {
        this.pos++;
        return items;
      }
      if (this.pos >= this.text.length) throw this.unterminated(open, close, what);
      items.push(this.value());
      this.skipSpaces();
      const next = this.text[this.pos];
      if (next === ",") {
        this.pos++;
      } else if (next !== close) {
        if (next === undefined) throw this.unterminated(open, close, what);
        throw new ValueSyntaxError(
          this.pos,
          `expected ',' or '${close}' in ${what}, found ${describe(next)}`,
        );
      }
    }
  }

  /** A tuple, or a parenthesised single value (`(1)` is 1, `(1,)` is [1]). */
  tuple(): Value {
    const open = this.pos;
    this.pos++;
    this.skipSpaces();
    if (this.text[this.pos] === ")") {
      this.pos++;
      return [];
    }
    if (this.pos >= this.text.length) throw this.unterminated(open, ")", "tuple");
    const first = this.value();
    this.skipSpaces();
    if (this.text[this.pos] === ")") {
      this.pos++;
      return first;
    }
    if (this.text[this.pos] !== ",") {
      if (this.pos >= this.text.length) throw this.unterminated(open, ")", "tuple");
      throw new ValueSyntaxError(
        this.pos,
        `expected ',' or ')' in tuple, found ${describe(this.text[this.pos])}`,
      );
    }
    this.pos++;
    return this.items(open, ")", "tuple", [first]);
  }

  dict(): { [key: string]: Value } {
    const open = this.pos++;
    const out: { [key: string]: Value } = {};
    while (true) {
      this.skipSpaces();
      if (this.text[this.pos] === "}") {
        this.pos++;
        return out;
      }
      if (this.pos >= this.text.length) throw this.unterminated(open, "}", "dict");
      const keyAt = this.pos;
      const key = this.value();
      if (typeof key !== "string") {
        throw new ValueSyntaxError(keyAt, "dict keys must be strings");
      }
      if (key === "__proto__") {
        throw new ValueSyntaxError(keyAt, "'__proto__' cannot be a dict key");
      }
      this.skipSpaces();
      if (this.text[this.pos] !== ":") {
        if (this.pos >= this.text.length) throw this.unterminated(open, "}", "dict");
        throw new ValueSyntaxError(
          this.pos,
          `expected ':' after dict key, found ${describe(this.text[this.pos])}`,
        );
      }
      this.pos++;
      out[key] = this.value();
      this.skipSpaces();
      const next = this.text[this.pos];
      if (next === ",") {
        this.pos++;
      } else if (next !== "}") {
        if (next === undefined) throw this.unterminated(open, "}", "dict");
        throw new ValueSyntaxError(
          this.pos,
          `expected ',' or '}' in dict, found ${describe(next)}`,
        );
      }
    }
  }

  unterminated(open: number, close: string, what: string): ValueSyntaxError {
    return new ValueSyntaxError(
      open,
      `unterminated ${what}: expected '${close}' (values must fit on one line)`,
    );
  }
}

function describe(c: string | undefined): string {
  return c === undefined ? "end of line" : `'${c}'`;
}

/**
 * Formats a value as Python's `repr` would: strings single-quoted (double-quoted when the
 * string contains `'` but no `"`), `None`, `True`, `False`, `[1, 'a']`, `{'a': 1}`.
 * Integers print as integers; other numbers as JavaScript prints them.
 */
export function formatValue(value: Value): string {
  if (value === null) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "string") return formatString(value);
  if (typeof value === "number") {
    if (Number.isInteger(value)) return BigInt(value).toString();
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map(formatValue).join(", ")}]`;
  const entries = Object.entries(value).map(([k, v]) => `${formatString(k)}: ${formatValue(v)}`);
  return `{${entries.join(", ")}}`;
}

function formatString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === quote || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else if (code >= 0x80 && code < 0xa0) out += `\\x${code.toString(16)}`;
    else if (code >= 0xd800 && code <= 0xdfff) out += `\\u${code.toString(16)}`;
    else out += ch;
  }
  return out + quote;
}
