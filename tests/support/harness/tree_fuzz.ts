/**
 * The round-trip property of the tree format, and seeded inputs to try it on: what the parser
 * accepts, the printer gives back (parse → print → parse gives the same tree), printing is
 * stable, and every node's properties survive the store codec unchanged. Used by the property
 * test (a few thousand inputs) and by `deno task fuzz` (as many as asked).
 *
 * @module
 */
import { isDeepStrictEqual } from "node:util";
import { decodeProperties, encodeProperties } from "../../../lib/tree/codec.ts";
import { formatTree } from "../../../lib/tree/format.ts";
import { type TreeNode, type Value } from "../../../lib/tree/model.ts";
import { parseTree } from "../../../lib/tree/parse.ts";
import { formatValue } from "../../../lib/tree/value.ts";
import { UNICODE_ODDITIES } from "./unicode_oddities.ts";

/** A seeded pseudo-random generator (mulberry32): the same seed gives the same inputs. */
export class Random {
  #state: number;

  /** Starts from `seed`. */
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** One of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}

const NAME_CHARS = [..."abcxyz019_-.:,@#+=>{}'\"\\é"];
const STRING_PIECES = [
  "a",
  "z4m",
  " ",
  "'",
  '"',
  "\\",
  "\n",
  "\t",
  "\r",
  "\x00",
  "\x7f",
  "#",
  "{",
  "}",
  "{}",
  '{"a": 1}',
  "é",
  "😀",
  "\u0085",
  "\u2028",
  "->",
  "=",
  "",
];
const NUMBERS = [
  0,
  1,
  -1,
  3,
  42,
  0.5,
  -2.25,
  1e-7,
  1e21,
  1.5e300,
  2 ** 53,
  2 ** 60,
  0.1,
  123456789,
];
const RAW_VALUES = [
  "u'x'",
  '"d"',
  "'\\x41\\101\\N\\q'",
  "(1,)",
  "(1)",
  "()",
  "[1, [2, (3, 4)]]",
  "{'a': {'b': []}}",
  "1e999",
  "9007199254740993",
  "-0",
  "-0.0",
  "'\\ud800'",
  "{'__proto__': 1}",
  "True",
  "None",
  "1.",
  ".5",
  "+3",
  "1e5",
];

function randomName(r: Random): string {
  let name = r.pick(["app", "x", ""]);
  const length = 1 + r.int(5);
  for (let i = 0; i < length; i++) name += r.pick(NAME_CHARS);
  return name;
}

function randomString(r: Random): string {
  let s = "";
  const pieces = r.int(4);
  for (let i = 0; i < pieces; i++) s += r.pick(STRING_PIECES);
  return s;
}

function randomValue(r: Random, depth = 0): Value {
  switch (r.int(depth > 2 ? 4 : 6)) {
    case 0:
      return randomString(r);
    case 1:
      return r.pick(NUMBERS) * (r.int(2) ? 1 : -1);
    case 2:
      return r.pick([true, false, null]);
    case 3:
      return randomString(r);
    case 4:
      return Array.from({ length: r.int(3) }, () => randomValue(r, depth + 1));
    default: {
      const out: { [key: string]: Value } = {};
      for (let i = r.int(3); i > 0; i--) out[randomString(r)] = randomValue(r, depth + 1);
      return out;
    }
  }
}

/** A random tree text: nodes, types, properties (printed and raw literal forms), links. */
export function randomTreeText(r: Random): string {
  const lines: string[] = [];
  const node = (indent: string, depth: number) => {
    const type = r.int(3) === 0
      ? ""
      : ` : ${r.pick(["z4m", "z4m cms", "varnish special", "a#b", "x:y", randomName(r)])}`;
    lines.push(`${indent}/${randomName(r)}${r.int(4) === 0 ? ":" : ""}${type}`);
    const inner = indent + "  ";
    for (let i = r.int(4); i > 0; i--) {
      const key = r.pick(["version", "type", "string_value", "n", "a-b", "x#", randomName(r)]);
      const kind = r.int(24);
      if (kind === 0) lines.push(`${inner}${key} = ${r.pick(RAW_VALUES)}`);
      else if (kind < 3) lines.push(`${inner}${key} -> ${r.pick(["/a/b", "..", "x"])}`);
      else if (kind < 5) lines.push(`${inner}${key} => /a/b ${r.pick(["", "p"])}`.trimEnd());
      else lines.push(`${inner}${key} = ${formatValue(randomValue(r))}`);
    }
    if (depth < 3) { for (let i = r.int(3); i > 0; i--) node(inner, depth + 1); }
  };
  for (let i = 1 + r.int(3); i > 0; i--) node("", 0);
  return lines.join("\n") + "\n";
}

/**
 * Mutates text: a few characters inserted (Unicode white space and format characters among them),
 * deleted, replaced or lines swapped.
 */
export function mutate(r: Random, text: string): string {
  let out = text;
  for (let i = 1 + r.int(3); i > 0; i--) {
    const at = r.int(out.length + 1);
    switch (r.int(4)) {
      case 0:
        out = out.slice(0, at) +
          r.pick([..." \n/:=#'\"\\,()[]{}-.e9x\t", "->", "=>", ...UNICODE_ODDITIES]) +
          out.slice(at);
        break;
      case 1:
        out = out.slice(0, at) + out.slice(at + 1 + r.int(3));
        break;
      case 2:
        out = out.slice(0, at) + r.pick([..."a /'0"]) + out.slice(at + 1);
        break;
      default: {
        const lines = out.split("\n");
        const a = r.int(lines.length);
        const b = r.int(lines.length);
        [lines[a], lines[b]] = [lines[b], lines[a]];
        out = lines.join("\n");
      }
    }
  }
  return out;
}

/** A node's content, without sources, children in name order: comparable with deep equality. */
function content(node: TreeNode): unknown {
  return {
    name: node.name,
    properties: Object.entries(node.properties).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0),
    children: [...node.children.values()].sort((a, b) => a.name < b.name ? -1 : 1).map(content),
  };
}

/**
 * Checks the round trip on one input. Returns undefined when the parser refuses it (any
 * refusal must be a clean error with file:line:col) or when it round-trips; otherwise what
 * broke. Throws anything that is not a clean refusal.
 */
export function roundTripProblem(text: string): string | undefined {
  let tree: TreeNode;
  try {
    tree = parseTree(text, "fuzz.zk");
  } catch (error) {
    if (error instanceof Error && /^fuzz\.zk:\d+:\d+: /.test(error.message)) return undefined;
    throw error;
  }
  const printed = formatTree(tree);
  let again: TreeNode;
  try {
    again = parseTree(printed, "printed.zk");
  } catch (error) {
    return `the printed tree does not parse: ${(error as Error).message}\n${printed}`;
  }
  if (!isDeepStrictEqual(content(tree), content(again))) {
    return `parse → print → parse gives another tree:\n${printed}`;
  }
  if (formatTree(again) !== printed) return `printing is not stable:\n${printed}`;
  let problem: string | undefined;
  const walk = (node: TreeNode, path: string) => {
    const data = encodeProperties(node.properties);
    if (path !== "" && !isDeepStrictEqual(decodeProperties(data), node.properties)) {
      problem ??= `${path}: stored as ${JSON.stringify(data)}, which reads back as ${
        JSON.stringify(decodeProperties(data))
      }`;
    }
    for (const [name, child] of node.children) walk(child, `${path}/${name}`);
  };
  walk(tree, "");
  return problem;
}

/** Runs `count` inputs from `seed` (half fresh, half mutated); the failures found. */
export function fuzzRoundTrip(seed: number, count: number): { input: string; problem: string }[] {
  const r = new Random(seed);
  const failures: { input: string; problem: string }[] = [];
  for (let i = 0; i < count; i++) {
    const text = randomTreeText(r);
    const input = i % 2 === 0 ? text : mutate(r, text);
    const problem = roundTripProblem(input);
    if (problem !== undefined) failures.push({ input, problem });
  }
  return failures;
}
