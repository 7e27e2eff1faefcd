/**
 * The embedded store's former file format — one JSON document `{format, counter, nodes}`
 * rewritten whole on every change — read and checked node by node, so that it can be converted
 * to the SQLite store (or read as it is by a read-only command).
 *
 * @module
 */
import { parentPath, validatePath } from "../path.ts";
import { StoreError, StoreFileError } from "../types.ts";

/** The format tag of the JSON store files. */
export const JSON_FORMAT = "clusterdeploy-local-store 1";

/** One node of a store file, checked. */
export interface FileNode {
  /** Data text. */
  data: string;
  /** Data version (a whole number ≥ 0). */
  version: number;
  /** The owner id of an ephemeral node. */
  owner?: string;
  /** The change counter when it was created. */
  created: number;
  /** The next sequence number for sequential children. */
  seq: number;
}

/** A whole store file, checked: nodes by path (parents before children) and the counter. */
export interface FileTree {
  /** Change counter. */
  counter: number;
  /** Nodes by path, sorted. */
  nodes: Map<string, FileNode>;
}

/** `a string`, `a number`, `missing`… for error messages. */
export function describe(value: unknown): string {
  if (value === undefined) return "missing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  if (typeof value === "number") return `the number ${value}`;
  if (typeof value === "string") return `the text ${JSON.stringify(value.slice(0, 40))}`;
  return `${typeof value} ${String(value)}`;
}

function wholeNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Parses and checks a JSON store file's text; throws {@linkcode StoreFileError} naming the node
 * and what is wrong with it.
 */
export function parseJsonStore(text: string, file: string): FileTree {
  const bad = (node: string | undefined, problem: string) =>
    new StoreFileError(file, node, problem);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw bad(undefined, `not JSON (${(error as Error).message})`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw bad(undefined, `not a store file (the JSON is ${describe(parsed)}, not an object)`);
  }
  const doc = parsed as Record<string, unknown>;
  if (doc.format !== JSON_FORMAT) {
    throw bad(undefined, `format is ${describe(doc.format)}, not "${JSON_FORMAT}"`);
  }
  if (doc.counter !== undefined && !wholeNumber(doc.counter)) {
    throw bad(undefined, `counter is ${describe(doc.counter)}, not a whole number`);
  }
  const raw = doc.nodes;
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw bad(undefined, `nodes is ${describe(raw)}, not an object of nodes by path`);
  }
  const entries = raw as Record<string, unknown>;
  if (!Object.hasOwn(entries, "/")) throw bad("/", "the root node is missing");
  const nodes = new Map<string, FileNode>();
  for (const path of Object.keys(entries).sort()) {
    try {
      validatePath(path);
    } catch (error) {
      throw bad(path, `not a valid node path (${(error as StoreError).message})`);
    }
    nodes.set(path, checkNode(path, entries[path], bad));
  }
  for (const path of nodes.keys()) {
    const parent = parentPath(path);
    if (parent === undefined) continue;
    const parentNode = nodes.get(parent);
    if (parentNode === undefined) throw bad(path, `its parent ${parent} is missing`);
    if (parentNode.owner !== undefined) {
      throw bad(path, `its parent ${parent} is ephemeral and cannot have children`);
    }
  }
  return { counter: (doc.counter as number | undefined) ?? 0, nodes };
}

function checkNode(
  path: string,
  value: unknown,
  bad: (node: string, problem: string) => StoreFileError,
): FileNode {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw bad(path, `node is ${describe(value)}, not an object`);
  }
  const node = value as Record<string, unknown>;
  if (typeof node.data !== "string") throw bad(path, `data is ${describe(node.data)}, not text`);
  if (!wholeNumber(node.version)) {
    throw bad(path, `version is ${describe(node.version)}, not a whole number`);
  }
  if (node.owner !== undefined && (typeof node.owner !== "string" || node.owner === "")) {
    throw bad(path, `owner is ${describe(node.owner)}, not an owner id`);
  }
  if (node.created !== undefined && !wholeNumber(node.created)) {
    throw bad(path, `created is ${describe(node.created)}, not a whole number`);
  }
  if (node.seq !== undefined && !wholeNumber(node.seq)) {
    throw bad(path, `seq is ${describe(node.seq)}, not a whole number`);
  }
  if (path === "/" && node.owner !== undefined) throw bad(path, "the root cannot be ephemeral");
  return {
    data: node.data,
    version: node.version,
    owner: node.owner as string | undefined,
    created: (node.created as number | undefined) ?? 0,
    seq: (node.seq as number | undefined) ?? 0,
  };
}
