/**
 * The embedded store's errors: a store file that is not one, or holds bad data
 * ({@linkcode StoreFileError}), and SQLite's own failures turned into store errors.
 *
 * @module
 */
import { StoreError } from "../types.ts";

/**
 * The file at `file` is not a clusterdeploy store, or holds bad data. The message reads
 * `FILE is not a valid clusterdeploy store: NODE: PROBLEM` (without `NODE: ` when the problem is
 * the file as a whole). Its code is `INVALID`.
 */
export class StoreFileError extends StoreError {
  /** The store file. */
  readonly file: string;
  /** The node the problem is at, when it is one node's. */
  readonly node?: string;
  /** What is wrong. */
  readonly problem: string;

  /** Makes the error. */
  constructor(file: string, node: string | undefined, problem: string) {
    super(
      "INVALID",
      `${file} is not a valid clusterdeploy store: ${
        node === undefined ? "" : `${node}: `
      }${problem}`,
    );
    this.name = "StoreFileError";
    this.file = file;
    this.node = node;
    this.problem = problem;
  }
}

/** Whether `error` is SQLite saying another connection holds the lock. */
export function isBusy(error: unknown): boolean {
  return error instanceof Error && /database is (locked|busy)|SQLITE_BUSY/i.test(error.message);
}

/**
 * A store error for a failure of SQLite on `file`: a damaged or foreign file is a
 * {@linkcode StoreFileError}; anything else (I/O, permissions, a full disk) a `CONNECTION` error
 * naming the file. Store errors pass through.
 */
export function sqliteFailure(error: unknown, file: string, path?: string): Error {
  if (error instanceof StoreError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/malformed|not a database|corrupt|no such (table|column)/i.test(message)) {
    return new StoreFileError(file, undefined, message);
  }
  if (/readonly|read-only|permission|access/i.test(message)) {
    return new StoreError("PERMISSION", `embedded store ${file}: ${message}`, path);
  }
  return new StoreError("CONNECTION", `embedded store ${file}: ${message}`, path);
}
