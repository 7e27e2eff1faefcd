/**
 * The embedded store's SQLite schema, and the check that an existing database is one of ours
 * with good data in it.
 *
 * - `meta`: `format` (the format tag) and `counter` (bumped by every write transaction: watches
 *   poll it, and a node's `created` is the counter of the write that made it);
 * - `nodes`: one row a node — path, parent path, data, version, the owner id of an ephemeral
 *   node, `created`, and `seq`, the next number for sequential children;
 * - `owners`: the open stores that may own ephemeral nodes: id (also the name of the owner's
 *   locked file `<store>.owners/<id>`), pid, and the token its descendants carry (see
 *   `local_owners.ts`).
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { FileTree } from "./json_format.ts";
import { parentPath, validatePath } from "../path.ts";
import type { StoreError } from "../types.ts";
import { StoreFileError } from "../types.ts";
import { TIMES_SCHEMA } from "./times.ts";

/** The format tag in `meta`. */
export const SQLITE_FORMAT = "clusterdeploy-store 2";

/** The tables and their indexes (idempotent). */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY NOT NULL, value ANY) STRICT;
CREATE TABLE IF NOT EXISTS nodes (
  path TEXT PRIMARY KEY NOT NULL,
  parent TEXT,
  data TEXT NOT NULL,
  version INTEGER NOT NULL CHECK (version >= 0),
  owner TEXT,
  created INTEGER NOT NULL CHECK (created >= 0),
  seq INTEGER NOT NULL DEFAULT 0 CHECK (seq >= 0)
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS nodes_by_parent ON nodes (parent);
CREATE INDEX IF NOT EXISTS nodes_by_owner ON nodes (owner) WHERE owner IS NOT NULL;
CREATE TABLE IF NOT EXISTS owners (
  id TEXT PRIMARY KEY NOT NULL,
  pid INTEGER NOT NULL,
  token TEXT NOT NULL,
  opened TEXT NOT NULL
) STRICT, WITHOUT ROWID;
`;

/** Creates the tables, the root and the meta rows when missing (inside a write transaction). */
export function createSchema(db: DatabaseSync): void {
  db.exec(SCHEMA);
  db.exec(TIMES_SCHEMA);
  db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('format', ?), ('counter', 0)")
    .run(SQLITE_FORMAT);
  db.exec("INSERT OR IGNORE INTO nodes VALUES ('/', NULL, '', 0, NULL, 0, 0)");
}

/** Writes a checked file tree into an empty schema, without ephemeral nodes (their owners are gone). */
export function insertTree(db: DatabaseSync, tree: FileTree): number {
  const insert = db.prepare("INSERT OR REPLACE INTO nodes VALUES (?, ?, ?, ?, NULL, ?, ?)");
  let count = 0;
  for (const [path, node] of tree.nodes) {
    if (node.owner !== undefined) continue;
    insert.run(path, parentPath(path) ?? null, node.data, node.version, node.created, node.seq);
    count++;
  }
  db.prepare("UPDATE meta SET value = ? WHERE key = 'counter'").run(tree.counter);
  return count;
}

/** The names of the tables in `db`. */
export function tableNames(db: DatabaseSync): Set<string> {
  const rows = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all();
  return new Set(rows.map((row) => String(row.name)));
}

type Row = Record<string, unknown>;

/**
 * Checks that `db` is a clusterdeploy store with good data: the tables, the format tag, then
 * every node (path, parent, types of data, version, owner, counters) and every owner. Throws
 * {@linkcode StoreFileError} naming the node and what is wrong.
 */
export function validateDatabase(db: DatabaseSync, file: string): void {
  const bad = (node: string | undefined, problem: string) =>
    new StoreFileError(file, node, problem);
  const tables = tableNames(db);
  const missing = ["meta", "nodes", "owners"].filter((name) => !tables.has(name));
  if (missing.length > 0) {
    throw bad(undefined, `an SQLite database without clusterdeploy's ${missing.join(", ")} table`);
  }
  const meta = new Map<string, unknown>(
    db.prepare("SELECT key, value FROM meta").all().map((row) => [String(row.key), row.value]),
  );
  if (meta.get("format") !== SQLITE_FORMAT) {
    throw bad(undefined, `format is ${String(meta.get("format"))}, not "${SQLITE_FORMAT}"`);
  }
  if (!isWhole(meta.get("counter"))) {
    throw bad(
      undefined,
      `the change counter is ${String(meta.get("counter"))}, not a whole number`,
    );
  }
  const nodes = db.prepare(
    `SELECT path, parent, typeof(path) AS tp, typeof(data) AS td, version, owner, created, seq
     FROM nodes`,
  );
  let root = false;
  for (const row of nodes.iterate() as Iterable<Row>) checkNodeRow(row, bad, () => (root = true));
  if (!root) throw bad("/", "the root node is missing");
  const orphan = db.prepare(
    `SELECT c.path, c.parent FROM nodes c LEFT JOIN nodes p ON p.path = c.parent
     WHERE c.parent IS NOT NULL AND p.path IS NULL LIMIT 1`,
  ).get();
  if (orphan !== undefined) {
    throw bad(String(orphan.path), `its parent ${orphan.parent} is missing`);
  }
  const underEphemeral = db.prepare(
    `SELECT c.path, c.parent FROM nodes c JOIN nodes p ON p.path = c.parent
     WHERE p.owner IS NOT NULL LIMIT 1`,
  ).get();
  if (underEphemeral !== undefined) {
    throw bad(
      String(underEphemeral.path),
      `its parent ${underEphemeral.parent} is ephemeral and cannot have children`,
    );
  }
  const owners = db.prepare("SELECT id, pid, token FROM owners");
  for (const row of owners.iterate() as Iterable<Row>) {
    const where = `owner ${String(row.id)}`;
    if (typeof row.id !== "string" || !/^[\w-]+$/.test(row.id)) {
      throw bad(where, "the owner id is not a plain name");
    }
    if (!isWhole(row.pid)) throw bad(where, `pid is ${show(row.pid)}, not a number`);
    if (typeof row.token !== "string") throw bad(where, `token is ${show(row.token)}, not text`);
  }
}

function checkNodeRow(
  row: Row,
  bad: (node: string | undefined, problem: string) => StoreFileError,
  sawRoot: () => void,
): void {
  if (row.tp !== "text") throw bad(undefined, `a node path is ${show(row.path)}, not text`);
  const path = row.path as string;
  try {
    validatePath(path);
  } catch (error) {
    throw bad(path, `not a valid node path (${(error as StoreError).message})`);
  }
  if (path === "/") sawRoot();
  if ((row.parent ?? undefined) !== parentPath(path)) {
    throw bad(path, `parent is ${show(row.parent)}, not ${parentPath(path) ?? "none"}`);
  }
  if (row.td !== "text") {
    throw bad(path, `data is ${row.td === "null" ? "missing" : row.td}, not text`);
  }
  if (!isWhole(row.version)) throw bad(path, `version is ${show(row.version)}, not a whole number`);
  if (row.owner !== null && (typeof row.owner !== "string" || row.owner === "")) {
    throw bad(path, `owner is ${show(row.owner)}, not an owner id`);
  }
  if (path === "/" && row.owner !== null) throw bad(path, "the root cannot be ephemeral");
  if (!isWhole(row.created)) throw bad(path, `created is ${show(row.created)}, not a whole number`);
  if (!isWhole(row.seq)) throw bad(path, `seq is ${show(row.seq)}, not a whole number`);
}

function isWhole(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function show(value: unknown): string {
  if (value === null || value === undefined) return "missing";
  if (typeof value === "string") return `the text ${JSON.stringify(value.slice(0, 40))}`;
  if (value instanceof Uint8Array) return "a blob";
  return `the number ${value}`;
}
