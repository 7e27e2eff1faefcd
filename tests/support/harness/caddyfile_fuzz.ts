/**
 * The Caddyfile parser's properties, and seeded inputs to try them on: every parse ends, with
 * sites or a {@linkcode CaddyfileError} (nothing else thrown); what it accepts, the printer gives
 * back (parse → format → parse gives the same sites) and printing is stable. The inputs are
 * random and mutated Caddyfiles full of Unicode white space and format characters (U+FEFF,
 * U+200B, U+00A0, U+2028, U+3000, U+180E …), which JavaScript's `\s` and Go's `unicode.IsSpace`
 * (Caddy's) do not agree on. Used by the property test and by `deno task fuzz caddyfile`.
 *
 * @module
 */
import { isDeepStrictEqual } from "node:util";
import {
  CaddyfileError,
  formatCaddyfile,
  parseCaddyfile,
  type Site,
} from "../../../lib/handler/caddyfile.ts";
import { Random } from "./tree_fuzz.ts";
import { UNICODE_ODDITIES } from "./unicode_oddities.ts";

export { UNICODE_ODDITIES };

const WORDS = [
  "proxy",
  "/",
  "gzip",
  "log",
  "header_upstream",
  "Host",
  "{host}",
  "a:80",
  "timeouts",
  "300s",
  "{",
  "}",
  "#",
  ",",
  '"',
  '\\"',
  "\\",
  "x{",
  "é",
  "😀",
  "",
];

const ADDRESSES = [
  "http://a.example.com",
  "https://b.example.com:8443",
  "c.example.com",
  "http://[::1]:80",
  "d.example.com/path",
];

function randomWord(r: Random): string {
  let w = "";
  for (let i = 1 + r.int(3); i > 0; i--) {
    w += r.int(3) === 0 ? r.pick(UNICODE_ODDITIES) : r.pick(WORDS);
  }
  if (r.int(4) === 0) return `"${w.replaceAll('"', '\\"')}"`;
  return w === "" ? "x" : w;
}

function randomAddress(r: Random): string {
  const a = r.pick(ADDRESSES);
  if (r.int(5) !== 0) return a;
  const at = r.int(a.length + 1);
  return a.slice(0, at) + r.pick(UNICODE_ODDITIES) + a.slice(at);
}

function line(r: Random, words: number): string {
  return Array.from({ length: words }, () => randomWord(r)).join(r.pick([" ", "\t", "\u3000"]));
}

/** A random Caddyfile fragment: sites with addresses, directives, blocks, quotes, comments. */
export function randomCaddyfile(r: Random): string {
  const out: string[] = [];
  if (r.int(6) === 0) out.push("# a comment");
  for (let s = 1 + r.int(3); s > 0; s--) {
    const addresses = Array.from({ length: 1 + r.int(3) }, () => randomAddress(r));
    out.push(`${addresses.join(r.pick([", ", ",\n", " "]))} {`);
    for (let d = r.int(4); d > 0; d--) {
      const head = line(r, 1 + r.int(3));
      if (r.int(3) !== 0) {
        out.push(`    ${head}`);
        continue;
      }
      out.push(`    ${head} {`);
      for (let b = r.int(3); b > 0; b--) out.push(`        ${line(r, 1 + r.int(3))}`);
      out.push("    }");
    }
    out.push("}");
  }
  return (r.int(8) === 0 ? "\uFEFF" : "") + out.join(r.pick(["\n", "\r\n"])) + "\n";
}

/** Mutates text: a few characters inserted (Unicode oddities above all), deleted or replaced. */
export function mutateCaddyfile(r: Random, text: string): string {
  let out = text;
  for (let i = 1 + r.int(4); i > 0; i--) {
    const at = r.int(out.length + 1);
    const piece = r.int(2) === 0 ? r.pick(UNICODE_ODDITIES) : r.pick([...'{}"#,\\ \n\t']);
    switch (r.int(3)) {
      case 0:
        out = out.slice(0, at) + piece + out.slice(at);
        break;
      case 1:
        out = out.slice(0, at) + out.slice(at + 1 + r.int(3));
        break;
      default:
        out = out.slice(0, at) + piece + out.slice(at + 1);
    }
  }
  return out;
}

/**
 * What breaks the properties on one input, or undefined: a refusal that is not a
 * `CaddyfileError` (anything else thrown is returned as the problem), sites that do not survive
 * format → parse, printing that is not stable.
 */
export function caddyfileProblem(text: string): string | undefined {
  let sites: Site[];
  try {
    sites = parseCaddyfile(text);
  } catch (error) {
    if (error instanceof CaddyfileError && /^line \d+: /.test(error.message)) return undefined;
    return `not a CaddyfileError: ${error}`;
  }
  const printed = formatCaddyfile(sites);
  let again: Site[];
  try {
    again = parseCaddyfile(printed);
  } catch (error) {
    return `the printed sites do not parse: ${(error as Error).message}\n${printed}`;
  }
  if (!isDeepStrictEqual(sites, again)) {
    return `parse → format → parse gives other sites:\n${printed}`;
  }
  if (formatCaddyfile(again) !== printed) return `printing is not stable:\n${printed}`;
  return undefined;
}

/** Runs `count` inputs from `seed` (half fresh, half mutated); the failures found. */
export function fuzzCaddyfile(seed: number, count: number): { input: string; problem: string }[] {
  const r = new Random(seed);
  const failures: { input: string; problem: string }[] = [];
  for (let i = 0; i < count; i++) {
    const text = randomCaddyfile(r);
    const input = i % 2 === 0 ? text : mutateCaddyfile(r, text);
    const problem = caddyfileProblem(input);
    if (problem !== undefined) failures.push({ input, problem });
  }
  return failures;
}
