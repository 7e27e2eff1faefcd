/**
 * The embedded store's database connection: one SQL transaction per store call, and the owners
 * of ephemeral nodes. Reads run in a read transaction (one snapshot); writes in `BEGIN IMMEDIATE`
 * (a read-check-write is atomic across processes), after dropping dead owners' ephemerals; a
 * database busy with another process's write is waited for (SQLite's busy timeout, then retries
 * that let the event loop run) for up to a minute.
 *
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { isBusy, sqliteFailure } from "./errors.ts";
import { ownerFileHeld, OwnerLiveness, type OwnerRecord, processToken } from "./owners.ts";
import { NodeTable } from "./nodes.ts";
import { StoreError } from "../types.ts";

/** How long a write waits for other processes' write transactions before failing. */
const WRITE_DEADLINE_MS = 60_000;

/** One open store's connection, owner id and transactions. */
export class LocalDatabase {
  /** The store file. */
  readonly file: string;
  /** The node table. */
  readonly nodes: NodeTable;
  /** This store's owner id (its ephemerals name it). */
  readonly ownerId: string = crypto.randomUUID();
  /** Opened read-only: writes are refused. */
  readonly readOnly: boolean;
  /** Closed: everything is refused. */
  closed = false;
  readonly #db: DatabaseSync;
  readonly #liveness: OwnerLiveness;
  readonly #ownersDir: string;
  #ownerFile: Deno.FsFile | undefined;
  readonly #owner: StatementSync;
  readonly #owners: StatementSync;
  readonly #unowned: StatementSync;
  readonly #ownedBy: StatementSync;
  readonly #forget: StatementSync;

  /** Wraps an open connection to `file`. */
  constructor(file: string, db: DatabaseSync, readOnly: boolean) {
    this.file = file;
    this.#db = db;
    this.readOnly = readOnly;
    this.nodes = new NodeTable(db, file);
    this.#owner = db.prepare("SELECT id, pid, token FROM owners WHERE id = ?");
    this.#owners = db.prepare("SELECT id FROM owners");
    this.#unowned = db.prepare(
      `SELECT DISTINCT owner FROM nodes
       WHERE owner IS NOT NULL AND owner NOT IN (SELECT id FROM owners)`,
    );
    this.#ownedBy = db.prepare("SELECT path FROM nodes WHERE owner = ?");
    this.#forget = db.prepare("DELETE FROM owners WHERE id = ?");
    this.#ownersDir = `${file}.owners`;
    this.#liveness = new OwnerLiveness(this.#ownersDir);
  }

  /**
   * Records this store as an owner: first locks its owner file (held until close or death), then
   * adds its row (called by `openLocalStore`).
   */
  async register(): Promise<void> {
    await Deno.mkdir(this.#ownersDir, { recursive: true });
    const handle = await Deno.open(`${this.#ownersDir}/${this.ownerId}`, {
      create: true,
      write: true,
    });
    this.#ownerFile = handle;
    await handle.lock(true);
    await this.write("open", this.file, () => {
      this.#db.prepare("INSERT INTO owners VALUES (?, ?, ?, ?)")
        .run(this.ownerId, Deno.pid, processToken(), new Date().toISOString());
      this.#sweepOwnerFiles();
    });
  }

  /**
   * Removes owner files left by processes that died before recording themselves (not in the
   * table, not locked). Inside a write: nobody records an owner meanwhile.
   */
  #sweepOwnerFiles(): void {
    const known = new Set(this.#owners.all().map((row) => String(row.id)));
    for (const entry of Deno.readDirSync(this.#ownersDir)) {
      if (known.has(entry.name) || ownerFileHeld(`${this.#ownersDir}/${entry.name}`)) continue;
      this.#removeOwnerFile(entry.name);
    }
  }

  // ---- transactions ----

  /** A dead-owner check memoized for one transaction. */
  deadCheck(): (owner: string) => boolean {
    const memo = new Map<string, boolean>();
    return (owner) => {
      if (owner === this.ownerId) return this.closed;
      let dead = memo.get(owner);
      if (dead === undefined) {
        const record = this.#owner.get(owner) as OwnerRecord | undefined;
        dead = !this.#liveness.alive(record);
        memo.set(owner, dead);
      }
      return dead;
    };
  }

  /** Runs `fn` in one read transaction (one snapshot of the file). */
  read<T>(fn: (dead: (owner: string) => boolean) => T): T {
    this.check("read", this.file);
    try {
      this.#db.exec("BEGIN");
      try {
        return fn(this.deadCheck());
      } finally {
        this.#db.exec("COMMIT");
      }
    } catch (error) {
      throw sqliteFailure(error, this.file);
    }
  }

  /**
   * Runs `change` in one write transaction (`BEGIN IMMEDIATE`), dead owners' ephemerals dropped
   * first; rolls back when it throws. Waits for other processes' writes, letting the event loop
   * run meanwhile.
   */
  async write<T>(what: string, path: string, change: () => T): Promise<T> {
    this.check(what, path);
    if (this.readOnly) {
      throw new StoreError("PERMISSION", `${what} on a store opened read-only`, path);
    }
    const deadline = Date.now() + WRITE_DEADLINE_MS;
    for (let pause = 5;; pause = Math.min(pause * 2, 100)) {
      try {
        this.#db.exec("BEGIN IMMEDIATE");
        break;
      } catch (error) {
        if (!isBusy(error)) throw sqliteFailure(error, this.file, path);
        if (Date.now() > deadline) {
          throw new StoreError(
            "CONNECTION",
            `${what}: the embedded store ${this.file} stayed locked by another process for ` +
              `${WRITE_DEADLINE_MS / 1000} s`,
            path,
          );
        }
      }
      await new Promise((resolve) => setTimeout(resolve, pause * (0.5 + Math.random())));
      this.check(what, path);
    }
    try {
      this.nodes.beginWrite();
      this.#dropDeadOwners();
      const result = change();
      this.nodes.endWrite();
      this.#db.exec("COMMIT");
      return result;
    } catch (error) {
      try {
        this.#db.exec("ROLLBACK");
      } catch {
        // SQLite already rolled back (e.g. after a full disk)
      }
      throw sqliteFailure(error, this.file, path);
    }
  }

  /** Deletes the ephemerals and records of dead owners (inside a write). */
  #dropDeadOwners(): void {
    const dead = this.deadCheck();
    for (const row of this.#owners.all()) {
      const id = String(row.id);
      if (id === this.ownerId || !dead(id)) continue;
      this.dropOwner(id);
    }
    // Ephemerals whose owner has no record (e.g. removed by hand) are dead too.
    for (const row of this.#unowned.all()) this.dropOwner(String(row.owner));
  }

  /** Deletes an owner's ephemerals, its record and (another's) owner file (inside a write). */
  dropOwner(id: string): void {
    for (const row of this.#ownedBy.all(id)) this.nodes.drop(String(row.path));
    this.#forget.run(id);
    if (id !== this.ownerId) this.#removeOwnerFile(id);
  }

  #removeOwnerFile(id: string): void {
    try {
      Deno.removeSync(`${this.#ownersDir}/${id}`);
    } catch {
      // already gone
    }
  }

  /** Throws `CLOSED` when the store is closed. */
  check(what: string, path: string): void {
    if (this.closed) {
      throw new StoreError("CLOSED", `${what} on closed store file ${this.file}`, path);
    }
  }

  /** Drops this store's ephemerals and owner record (unless read-only), then closes. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (!this.readOnly) await this.write("close", this.file, () => this.dropOwner(this.ownerId));
    } finally {
      this.closed = true;
      this.#db.close();
      if (this.#ownerFile !== undefined) {
        this.#ownerFile.close(); // releases the lock
        this.#removeOwnerFile(this.ownerId);
      }
    }
  }
}
