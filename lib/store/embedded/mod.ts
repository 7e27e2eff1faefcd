/**
 * The embedded store: the cluster tree in one SQLite database file (`node:sqlite`) on a single
 * host, no server.
 *
 * Several processes may use one file at once: the database is in WAL mode (readers never wait
 * for writers), every store call is one SQL transaction (writes `BEGIN IMMEDIATE`, so a
 * read-check-write such as a versioned set or a `multi` is atomic across processes), and a
 * busy database is waited for (SQLite's busy timeout, then retries that let the event loop run)
 * for up to a minute before failing.
 *
 * Each open store registers itself as an owner (see `local_owners.ts`); ephemeral nodes name
 * their owner. An owner whose process is gone — and whose descendants are gone too — is dead: its
 * ephemerals are hidden on reads and dropped by the next write. Watches poll a change counter
 * (`local_watch.ts`). Locks use the same visible layout as ZooKeeper
 * (`/ZktoolsLocks/<name>/lock-NNNNNNNNNN`). `onState` never reports anything: there is no
 * connection to lose. A file in the former JSON format is converted on the first writable open.
 *
 * @module
 */
import { createLogger } from "../../log.ts";
import { LocalDatabase } from "./db.ts";
import { sqliteFailure } from "./errors.ts";
import { openDatabase } from "./open_file.ts";
import { LocalWatches, type WatchLook } from "./watch.ts";
import {
  LOCK_CHILD_PREFIX,
  LOCK_NODE_DATA,
  LOCKS_ROOT,
  LOCKS_ROOT_DATA,
  parentPath,
  sequenceOf,
  validateLockName,
  validatePath,
} from "../path.ts";
import {
  type CreateOptions,
  type EphemeralHandle,
  type Lock,
  type ReadOptions,
  type SessionState,
  type Store,
  type StoredNode,
  StoreError,
  type StoreOp,
  type WatchOptions,
} from "../types.ts";

/** Options of {@linkcode openLocalStore}. */
export interface LocalStoreOptions {
  /** Only read: never create, convert, clean or otherwise write the file. */
  readOnly?: boolean;
  /** Where the one-time conversion of a JSON store file is announced (default: an INFO line on stderr). */
  log?: (message: string) => void;
}

/**
 * Opens (creating when missing, with its directory) the store file at `path`. Throws
 * {@linkcode StoreFileError} (code `INVALID`) when the file is not a store or holds bad data.
 */
export async function openLocalStore(
  path: string,
  options: LocalStoreOptions = {},
): Promise<LocalStore> {
  if (path === "") throw new StoreError("INVALID", "empty local store path");
  const slash = path.lastIndexOf("/");
  if (slash > 0 && !options.readOnly) await Deno.mkdir(path.slice(0, slash), { recursive: true });
  const log = options.log ?? ((message: string) => createLogger().info(message));
  const db = await openDatabase(path, { readOnly: options.readOnly, log });
  let local: LocalDatabase;
  try {
    local = new LocalDatabase(path, db, options.readOnly ?? false);
  } catch (error) {
    db.close();
    throw sqliteFailure(error, path);
  }
  if (!options.readOnly) {
    try {
      await local.register();
    } catch (error) {
      await local.close().catch(() => {});
      throw error;
    }
  }
  return new LocalStore(path, local);
}

/** A {@linkcode Store} in a local SQLite file. Make one with {@linkcode openLocalStore}. */
export class LocalStore implements Store {
  /** `file <path>` */
  readonly description: string;
  /** Bytes per `multi` (a local write has no real limit; kept like ZooKeeper's for parity). */
  readonly maxMultiBytes: number = 512 * 1024;
  /** The store file. */
  readonly file: string;
  readonly #db: LocalDatabase;
  readonly #watches: LocalWatches;
  readonly #ephemerals = new Map<string, LocalEphemeral>();

  /** Use {@linkcode openLocalStore}. */
  constructor(file: string, db: LocalDatabase) {
    this.file = file;
    this.description = `file ${file}`;
    this.#db = db;
    this.#watches = new LocalWatches({
      counter: () => db.read(() => db.nodes.counter()),
      look: (paths) => db.read((dead) => paths.map((path) => this.#look(path, dead))),
    });
  }

  #look(path: string, dead: (owner: string) => boolean): WatchLook {
    const node = this.#db.nodes.stored(path, dead);
    if (node === null) return { node, signature: "none", foreign: false };
    const row = this.#db.nodes.row(path)!;
    return {
      node,
      signature: `${row.created}:${node.version}:${node.ephemeral}:${node.data}`,
      foreign: row.owner !== null && row.owner !== this.#db.ownerId,
    };
  }

  // ---- Store ----

  /** Reads one node, or null (with `dataOnly`, its children are not looked up). */
  async get(path: string, options?: ReadOptions): Promise<StoredNode | null> {
    return (await this.getMany([path], options))[0];
  }

  /** Reads many nodes from one snapshot of the file (with `dataOnly`, without children). */
  getMany(paths: readonly string[], options?: ReadOptions): Promise<(StoredNode | null)[]> {
    try {
      for (const path of paths) validatePath(path);
      const children = !options?.dataOnly;
      return Promise.resolve(
        this.#db.read((dead) => paths.map((path) => this.#db.nodes.stored(path, dead, children))),
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Creates a node (with `parents`, missing ancestors too); resolves to the created path. */
  async create(path: string, data: string, options: CreateOptions = {}): Promise<string> {
    validatePath(path);
    return await this.#db.write("create", path, () => {
      if (options.parents) {
        const missing: string[] = [];
        for (
          let p = parentPath(path);
          p !== undefined && this.#db.nodes.row(p) === undefined;
          p = parentPath(p)
        ) {
          missing.unshift(p);
        }
        for (const p of missing) this.#db.nodes.create(p, "");
      }
      return this.#db.nodes.create(
        path,
        data,
        options.ephemeral ? this.#db.ownerId : undefined,
        options.sequential ?? false,
      );
    });
  }

  /** Sets data, optionally only at `version`. */
  async set(path: string, data: string, version?: number): Promise<void> {
    validatePath(path);
    await this.#db.write("set", path, () => this.#db.nodes.set(path, data, version));
  }

  /** Deletes a childless node, optionally only at `version`. */
  async delete(path: string, version?: number): Promise<void> {
    validatePath(path);
    await this.#db.write("delete", path, () => this.#db.nodes.delete(path, version));
  }

  /** Applies all operations or none (one transaction). */
  async multi(ops: readonly StoreOp[]): Promise<void> {
    if (ops.length === 0) return;
    for (const op of ops) validatePath(op.path);
    await this.#db.write("multi", ops[0].path, () => {
      ops.forEach((op, index) => {
        try {
          this.#db.nodes.apply(op, this.#db.ownerId);
        } catch (error) {
          if (!(error instanceof StoreError)) throw error;
          throw new StoreError(
            error.code,
            `multi op #${index + 1} (${op.op}) failed: ${error.message.replace(/: [^:]*$/, "")}`,
            op.path,
          );
        }
      });
    });
  }

  /** Watches a node's data and existence (polling the change counter). */
  watch(
    path: string,
    onChange: (node: StoredNode | null) => void,
    options?: WatchOptions,
  ): () => void {
    validatePath(path);
    this.#db.check("watch", path);
    // Data-only: reported as ZooKeeper's data-only watch reports it, without children.
    const report = options?.dataOnly
      ? (node: StoredNode | null) => onChange(node && { ...node, children: [] })
      : onChange;
    return this.#watches.add(path, report);
  }

  /** Never reports anything (no connection, no session to lose). */
  onState(_listener: (state: SessionState) => void): () => void {
    return () => {};
  }

  /**
   * Creates an ephemeral node owned by this store (gone when it closes or its process and the
   * processes it started are gone). A dead owner's node or a childless persistent one already
   * there is replaced; a live owner's never is (`NODE_EXISTS`).
   */
  async ephemeral(path: string, data: string): Promise<EphemeralHandle> {
    validatePath(path);
    if (this.#ephemerals.has(path)) {
      throw new StoreError("NODE_EXISTS", "this store already keeps an ephemeral node", path);
    }
    const handle = new LocalEphemeral(path, data, this);
    await this.#ensureEphemeral(handle);
    this.#ephemerals.set(path, handle);
    return handle;
  }

  async #ensureEphemeral(handle: LocalEphemeral): Promise<void> {
    await this.#db.write("ephemeral", handle.path, () => {
      const node = this.#db.nodes.row(handle.path);
      if (node !== undefined && node.owner === this.#db.ownerId) {
        this.#db.nodes.set(handle.path, handle.data);
        return;
      }
      // Dead owners' ephemerals were dropped when the write began: an owner here is alive.
      if (node !== undefined && node.owner !== null) {
        throw new StoreError("NODE_EXISTS", "another store owns this ephemeral node", handle.path);
      }
      if (node !== undefined) this.#db.nodes.delete(handle.path);
      this.#db.nodes.create(handle.path, handle.data, this.#db.ownerId);
    });
  }

  /** @internal Writes an ephemeral's data, re-creating it when it was deleted. */
  async updateEphemeral(handle: LocalEphemeral): Promise<void> {
    if (this.#ephemerals.get(handle.path) !== handle) {
      throw new StoreError("CLOSED", "ephemeral node no longer kept", handle.path);
    }
    await this.#ensureEphemeral(handle);
  }

  /** @internal Deletes an ephemeral and stops keeping it. */
  async removeEphemeral(handle: LocalEphemeral): Promise<void> {
    if (this.#ephemerals.get(handle.path) !== handle) return;
    this.#ephemerals.delete(handle.path);
    await this.#db.write("delete", handle.path, () => {
      if (this.#db.nodes.row(handle.path)?.owner === this.#db.ownerId) {
        this.#db.nodes.delete(handle.path);
      }
    });
  }

  /** Tries the lock `/ZktoolsLocks/<name>` (same layout as ZooKeeper); null when held. */
  async tryLock(name: string): Promise<Lock | null> {
    validateLockName(name);
    const dir = `${LOCKS_ROOT}/${name}`;
    const mine = await this.#db.write("tryLock", dir, () => {
      if (this.#db.nodes.row(LOCKS_ROOT) === undefined) {
        this.#db.nodes.create(LOCKS_ROOT, LOCKS_ROOT_DATA);
      }
      if (this.#db.nodes.row(dir) === undefined) this.#db.nodes.create(dir, LOCK_NODE_DATA);
      const children = this.#db.nodes.stored(dir, () => false)?.children ?? [];
      if (children.some((child) => !Number.isNaN(sequenceOf(child)))) return undefined;
      return this.#db.nodes.create(`${dir}/${LOCK_CHILD_PREFIX}`, "", this.#db.ownerId, true);
    });
    if (mine === undefined) return null;
    let released = false;
    return {
      release: async () => {
        if (released || this.#db.closed) return;
        released = true;
        await this.#db.write("release lock", mine, () => {
          if (this.#db.nodes.row(mine)?.owner === this.#db.ownerId) this.#db.nodes.delete(mine);
        });
      },
    };
  }

  /** Deletes this store's ephemerals and locks and its owner record, stops watches, closes. */
  async close(): Promise<void> {
    this.#watches.stopAll();
    this.#ephemerals.clear();
    await this.#db.close();
  }
}

/** An ephemeral node kept by a {@linkcode LocalStore}. */
class LocalEphemeral implements EphemeralHandle {
  readonly path: string;
  data: string;
  readonly #store: LocalStore;

  constructor(path: string, data: string, store: LocalStore) {
    this.path = path;
    this.data = data;
    this.#store = store;
  }

  /** Replaces the data (re-creating the node if it was deleted). */
  update(data: string): Promise<void> {
    this.data = data;
    return this.#store.updateEphemeral(this);
  }

  /** Deletes it and stops keeping it. */
  remove(): Promise<void> {
    return this.#store.removeEphemeral(this);
  }
}
