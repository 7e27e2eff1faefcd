/**
 * The embedded store's node times (`StoredNode.ctime`, `mtime`): the table `node_times` (path,
 * ctime, mtime; milliseconds since the epoch, by the writing process's clock), written with the
 * node in the same transaction. A node without a row (written before the store kept times,
 * imported from a file) reads as 0, 0. A read-only view of a store file made before the table
 * existed has no table: every time reads as 0.
 *
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";

/** The table (idempotent; part of the schema, see `schema.ts`). */
export const TIMES_SCHEMA = `
CREATE TABLE IF NOT EXISTS node_times (
  path TEXT PRIMARY KEY NOT NULL,
  ctime INTEGER NOT NULL,
  mtime INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
`;

/** The times of the nodes of one database connection. */
export class NodeTimes {
  readonly #get?: StatementSync;
  readonly #created?: StatementSync;
  readonly #modified?: StatementSync;
  readonly #remove?: StatementSync;

  /** Prepares the statements (none when `db` has no `node_times` table). */
  constructor(db: DatabaseSync) {
    const has = db.prepare("SELECT 1 AS x FROM sqlite_schema WHERE type = 'table' AND name = ?")
      .get("node_times") !== undefined;
    if (!has) return;
    this.#get = db.prepare("SELECT ctime, mtime FROM node_times WHERE path = ?");
    this.#created = db.prepare("INSERT OR REPLACE INTO node_times VALUES (?, ?, ?)");
    this.#modified = db.prepare(
      "INSERT INTO node_times VALUES (?, 0, ?) ON CONFLICT (path) DO UPDATE SET mtime = excluded.mtime",
    );
    this.#remove = db.prepare("DELETE FROM node_times WHERE path = ?");
  }

  /** The times of `path` (0, 0 when unknown). */
  get(path: string): { ctime: number; mtime: number } {
    const row = this.#get?.get(path);
    return row === undefined
      ? { ctime: 0, mtime: 0 }
      : { ctime: Number(row.ctime), mtime: Number(row.mtime) };
  }

  /** `path` was created now. */
  created(path: string): void {
    const now = Date.now();
    this.#created?.run(path, now, now);
  }

  /** `path`'s data was set now (a node without a row gets one, its creation unknown: 0). */
  modified(path: string): void {
    this.#modified?.run(path, Date.now());
  }

  /** `path` was deleted. */
  removed(path: string): void {
    this.#remove?.run(path);
  }
}
