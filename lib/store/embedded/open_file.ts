/**
 * Opening an embedded store file: tells an SQLite store from a store in the former JSON format
 * (converted once, on the first writable open, with a log line) and from anything else (refused,
 * untouched); checks the data; sets WAL mode and the busy timeout so that several processes can
 * share the file.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { isBusy, sqliteFailure } from "./errors.ts";
import { parseJsonStore } from "./json_format.ts";
import { createSchema, insertTree, tableNames, validateDatabase } from "./schema.ts";
import { StoreError, StoreFileError } from "../types.ts";

/** How long one SQLite call waits for another process's lock before giving back control. */
export const BUSY_TIMEOUT_MS = 100;
/** How long opening waits, in all, for other processes' locks. */
const OPEN_DEADLINE_MS = 60_000;

/** What is in the file. */
export type FileKind = "missing" | "empty" | "sqlite" | "json" | "other";

/** Looks at the first bytes of `file`. */
export function sniff(file: string): FileKind {
  let handle: Deno.FsFile;
  try {
    handle = Deno.openSync(file, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "missing";
    throw new StoreError("PERMISSION", `cannot read the embedded store ${file}: ${error}`);
  }
  try {
    const head = new Uint8Array(64);
    const n = handle.readSync(head) ?? 0;
    if (n === 0) return "empty";
    const text = new TextDecoder().decode(head.subarray(0, n));
    if (text.startsWith("SQLite format 3\u0000")) return "sqlite";
    if (text.trimStart().startsWith("{")) return "json";
    return "other";
  } finally {
    handle.close();
  }
}

/** Options of {@linkcode openDatabase}. */
export interface OpenDatabaseOptions {
  /** Never write the file (nor create, convert or clean it). */
  readOnly?: boolean;
  /** Where the conversion of a JSON store is announced. */
  log: (message: string) => void;
}

/**
 * Opens the store database at `file`: creates it when missing, converts a JSON store (read-only:
 * reads it into memory instead), checks an existing one. Throws {@linkcode StoreFileError} for a
 * file that is not a store or holds bad data, leaving it as it was.
 */
export async function openDatabase(
  file: string,
  options: OpenDatabaseOptions,
): Promise<DatabaseSync> {
  let kind = sniff(file);
  if (kind === "other") {
    throw new StoreFileError(
      file,
      undefined,
      "neither an SQLite database nor a store file of the former JSON format",
    );
  }
  if (options.readOnly) return openReadOnly(file, kind);
  if (kind === "json") {
    await convertJsonStore(file, options.log);
    kind = sniff(file);
  }
  const db = new DatabaseSync(file);
  try {
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    const deadline = Date.now() + OPEN_DEADLINE_MS;
    for (;;) {
      try {
        initialize(db, file);
        return db;
      } catch (error) {
        if (!isBusy(error) || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 30));
      }
    }
  } catch (error) {
    db.close();
    throw sqliteFailure(error, file);
  }
}

/** Checks an existing store, or makes a new one; then WAL mode (several processes). */
function initialize(db: DatabaseSync, file: string): void {
  // Check before anything writes: a foreign or damaged file stays as it was.
  if (tableNames(db).size > 0) validateDatabase(db, file);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = FULL");
  db.exec("PRAGMA secure_delete = ON");
  db.exec("BEGIN IMMEDIATE");
  try {
    createSchema(db);
    db.exec("COMMIT");
  } catch (error) {
    db.exec("ROLLBACK");
    throw error;
  }
}

/** A read-only view: the file itself, or (for a JSON store) a copy in memory. */
function openReadOnly(file: string, kind: FileKind): DatabaseSync {
  if (kind === "missing" || kind === "empty") {
    throw new StoreError("NO_NODE", `no embedded store at ${file}`);
  }
  if (kind === "json") {
    const tree = parseJsonStore(Deno.readTextFileSync(file), file);
    const db = new DatabaseSync(":memory:");
    createSchema(db);
    insertTree(db, tree);
    return db;
  }
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS * 50}`);
    validateDatabase(db, file);
    return db;
  } catch (error) {
    db.close();
    throw sqliteFailure(error, file);
  }
}

/**
 * Converts a store file of the JSON format to SQLite, once: under the former format's lock file
 * (so no process of an older version writes meanwhile), checks every node, refuses while an older
 * version still has the store open, builds the database beside it, keeps the JSON file as
 * `<file>.json-backup` and renames the database over the file. Ephemeral nodes are not carried
 * over (their owners are older processes, gone).
 */
async function convertJsonStore(file: string, log: (message: string) => void): Promise<void> {
  const lockFile = `${file}.lock`;
  const lock = await Deno.open(lockFile, { create: true, write: true });
  try {
    await lock.lock(true);
    if (sniff(file) !== "json") return; // another process converted it meanwhile
    const tree = parseJsonStore(await Deno.readTextFile(file), file);
    await refuseLiveOldOwners(file);
    const temp = `${file}.converting-${crypto.randomUUID()}`;
    let count: number;
    try {
      const db = new DatabaseSync(temp);
      try {
        db.exec("PRAGMA journal_mode = WAL");
        db.exec("BEGIN IMMEDIATE");
        createSchema(db);
        count = insertTree(db, tree);
        db.exec("COMMIT");
      } finally {
        db.close();
      }
      await Deno.copyFile(file, `${file}.json-backup`);
      await Deno.rename(temp, file);
    } catch (error) {
      await Deno.remove(temp).catch(() => {});
      throw error;
    }
    await Deno.remove(`${file}.owners`, { recursive: true }).catch(() => {});
    log(
      `Converted the embedded store ${file} from the JSON format to SQLite (${count} nodes); ` +
        `the JSON file is kept as ${file}.json-backup`,
    );
  } finally {
    lock.close();
    await Deno.remove(lockFile).catch(() => {});
  }
}

/** Throws when a process of the former version still holds an owner file of the store. */
async function refuseLiveOldOwners(file: string): Promise<void> {
  let entries: AsyncIterable<Deno.DirEntry>;
  try {
    entries = Deno.readDir(`${file}.owners`);
    for await (const entry of entries) {
      const handle = await Deno.open(`${file}.owners/${entry.name}`, { read: true, write: true })
        .catch(() => undefined);
      if (handle === undefined) continue;
      try {
        const free = await handle.tryLock(true);
        if (!free) {
          throw new StoreError(
            "CONNECTION",
            `the embedded store ${file} is still open in a process of an older clusterdeploy ` +
              `(owner ${entry.name}); stop it, then open the store again to convert it`,
          );
        }
      } finally {
        handle.close();
      }
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
}
