/**
 * The embedded store's errors: SQLite's own failures turned into store errors (a damaged or
 * foreign file becomes a {@linkcode StoreFileError}).
 *
 * @module
 */
import { StoreError, StoreFileError } from "../types.ts";
import { message } from "../../error_message.ts";

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
  const text = message(error);
  if (/malformed|not a database|corrupt|no such (table|column)/i.test(text)) {
    return new StoreFileError(file, undefined, text);
  }
  if (/readonly|read-only|permission|access/i.test(text)) {
    return new StoreError("PERMISSION", `embedded store ${file}: ${text}`, path);
  }
  return new StoreError("CONNECTION", `embedded store ${file}: ${text}`, path);
}
