/**
 * `JSON.parse`, safe from a V8 bug of Deno 2.9 (V8 15.0): once an object with the one-character
 * key `"\\"` has been parsed, a later object of the same shape whose key is any other escaped
 * single character (`"\n"`, `"\""`, `"\u0041"`) is given the key `\` instead — node data read
 * back silently different. Text holding such a key is parsed by the small parser below; all
 * other text by `JSON.parse`.
 *
 * @module
 */

/** An escaped single-character string followed by `:` (an object key V8 may misread). */
const ESCAPED_ONE_CHARACTER_KEY = /"\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})"\s*:/;

/** Parses JSON text like `JSON.parse` (throws a SyntaxError on malformed text). */
export function parseJson(text: string): unknown {
  if (!ESCAPED_ONE_CHARACTER_KEY.test(text)) return JSON.parse(text);
  JSON.parse(text); // the same errors as JSON.parse for malformed text
  return new SlowJson(text).document();
}

const ESCAPES: Record<string, string> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

/** A plain recursive-descent JSON parser for text `JSON.parse` has already accepted. */
class SlowJson {
  #pos = 0;

  constructor(readonly text: string) {}

  document(): unknown {
    const value = this.value();
    this.space();
    return value;
  }

  space(): void {
    while (/[ \t\n\r]/.test(this.text[this.#pos] ?? "")) this.#pos++;
  }

  value(): unknown {
    this.space();
    const c = this.text[this.#pos];
    if (c === "{") return this.object();
    if (c === "[") return this.array();
    if (c === '"') return this.string();
    for (const [word, value] of [["true", true], ["false", false], ["null", null]] as const) {
      if (this.text.startsWith(word, this.#pos)) {
        this.#pos += word.length;
        return value;
      }
    }
    const number = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.text.slice(this.#pos))![0];
    this.#pos += number.length;
    return Number(number);
  }

  object(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.#pos++;
    this.space();
    if (this.text[this.#pos] === "}") {
      this.#pos++;
      return out;
    }
    for (;;) {
      this.space();
      const key = this.string();
      this.space();
      this.#pos++; // ':'
      Object.defineProperty(out, key, {
        value: this.value(),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.space();
      if (this.text[this.#pos++] === "}") return out; // else ','
    }
  }

  array(): unknown[] {
    const out: unknown[] = [];
    this.#pos++;
    this.space();
    if (this.text[this.#pos] === "]") {
      this.#pos++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.space();
      if (this.text[this.#pos++] === "]") return out; // else ','
    }
  }

  string(): string {
    let out = "";
    this.#pos++;
    for (;;) {
      const c = this.text[this.#pos++];
      if (c === '"') return out;
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = this.text[this.#pos++];
      if (e === "u") {
        out += String.fromCharCode(parseInt(this.text.slice(this.#pos, this.#pos + 4), 16));
        this.#pos += 4;
      } else {
        out += ESCAPES[e];
      }
    }
  }
}
