/**
 * The embedded local store: the cluster tree in one JSON file for a single host, no server.
 *
 * Several processes may use one file at once:
 * - every change is a read-modify-write under an exclusive OS file lock on `<file>.lock`,
 *   written atomically (temporary file + rename), so no update is lost;
 * - each open store holds an exclusive lock on its own owner file `<file>.owners/<id>` for its
 *   whole life. Ephemeral nodes name their owner; an owner file that is no longer locked means
 *   its process is gone, so its ephemerals are hidden on reads and dropped on the next write;
 * - watches poll the file (every 100 ms) and report data/existence changes like ZooKeeper's.
 *
 * Locks use the same visible layout as ZooKeeper (`/ZktoolsLocks/<name>/lock-NNNNNNNNNN`).
 * `onState` never reports anything: there is no connection to lose.
 *
 * @module
 */
import {
  type CreateOptions,
  type EphemeralHandle,
  type Lock,
  type SessionState,
  type Store,
  type StoredNode,
  StoreError,
  type StoreOp,
} from "./types.ts";
import { LocalTree } from "./local_tree.ts";
import {
  LOCK_CHILD_PREFIX,
  LOCK_NODE_DATA,
  LOCKS_ROOT,
  LOCKS_ROOT_DATA,
  parentPath,
  sequenceOf,
  validateLockName,
  validatePath,
} from "./path.ts";

/** How often watches look at the file. */
const POLL_MS = 100;

interface LocalWatch {
  readonly path: string;
  readonly onChange: (node: StoredNode | null) => void;
  /** What was last reported: existence, version, data, incarnation. */
  last?: string;
  stopped: boolean;
}

/** Opens (creating when missing, with its directory) the store file at `path`. */
export async function openLocalStore(path: string): Promise<LocalStore> {
  if (path === "") throw new StoreError("INVALID", "empty local store path");
  const slash = path.lastIndexOf("/");
  if (slash > 0) await Deno.mkdir(path.slice(0, slash), { recursive: true });
  const store = new LocalStore(path);
  await store.open();
  return store;
}

/** A {@linkcode Store} in a local file. Make one with {@linkcode openLocalStore}. */
export class LocalStore implements Store {
  /** `file <path>` */
  readonly description: string;
  /** Bytes per `multi` (a local write has no real limit; kept like ZooKeeper's for parity). */
  readonly maxMultiBytes: number = 512 * 1024;
  /** The store file. */
  readonly file: string;
  readonly #lockFile: string;
  readonly #ownersDir: string;
  readonly #ownerId = crypto.randomUUID();
  #ownerHandle: Deno.FsFile | undefined;
  #closed = false;
  #queue: Promise<unknown> = Promise.resolve();
  #cache: { text: string; tree: LocalTree } | undefined;
  readonly #watches = new Set<LocalWatch>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #polling = false;
  readonly #ephemerals = new Map<string, LocalEphemeral>();

  /** Use {@linkcode openLocalStore}. */
  constructor(file: string) {
    this.file = file;
    this.description = `file ${file}`;
    this.#lockFile = `${file}.lock`;
    this.#ownersDir = `${file}.owners`;
  }

  /**
   * Creates the file if missing, registers this store's owner file, clears dead owners (called
   * by {@linkcode openLocalStore}).
   */
  async open(): Promise<void> {
    await Deno.mkdir(this.#ownersDir, { recursive: true });
    await this.#locked(async () => {
      const ownerPath = `${this.#ownersDir}/${this.#ownerId}`;
      const handle = await Deno.open(ownerPath, { create: true, write: true });
      await handle.lock(true);
      this.#ownerHandle = handle;
      await Deno.writeTextFile(ownerPath, `${Deno.pid}\n`);
      let tree: LocalTree;
      try {
        tree = await this.#load();
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
        tree = LocalTree.empty();
        await this.#save(tree);
      }
      // Owner files nobody holds: dead processes. Under the file lock no live store is between
      // creating its owner file and locking it, so an unlocked one is dead.
      const referenced = tree.owners();
      for await (const entry of Deno.readDir(this.#ownersDir)) {
        if (entry.name === this.#ownerId || referenced.has(entry.name)) continue;
        if (!(await this.#alive(entry.name))) {
          await Deno.remove(`${this.#ownersDir}/${entry.name}`).catch(() => {});
        }
      }
    });
  }

  // ---- file access ----

  /** Runs `fn` under the exclusive file lock, one at a time within this store. */
  #locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = async () => {
      const lock = await Deno.open(this.#lockFile, { create: true, write: true });
      try {
        await lock.lock(true);
        return await fn();
      } finally {
        lock.close(); // releases the lock
      }
    };
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => {});
    return result;
  }

  /** Reads and parses the file (parsing only when its text changed). */
  async #load(): Promise<LocalTree> {
    const text = await Deno.readTextFile(this.file);
    if (this.#cache?.text === text) return this.#cache.tree;
    const tree = LocalTree.parse(text, this.file);
    this.#cache = { text, tree };
    return tree;
  }

  /** Writes the file atomically. */
  async #save(tree: LocalTree): Promise<void> {
    const text = tree.serialize();
    const temp = `${this.file}.tmp-${this.#ownerId}`;
    const handle = await Deno.open(temp, { create: true, write: true, truncate: true });
    try {
      await handle.write(new TextEncoder().encode(text));
      await handle.syncData();
    } finally {
      handle.close();
    }
    await Deno.rename(temp, this.file);
    this.#cache = { text, tree };
  }

  /** Whether the owner `id` is a live store (its owner file is locked). */
  async #alive(id: string): Promise<boolean> {
    if (id === this.#ownerId) return !this.#closed;
    let handle: Deno.FsFile;
    try {
      handle = await Deno.open(`${this.#ownersDir}/${id}`, { read: true, write: true });
    } catch {
      return false;
    }
    try {
      const free = await handle.tryLock(true);
      if (free) await handle.unlock();
      return !free;
    } finally {
      handle.close();
    }
  }

  /** The owners of ephemerals in `tree` that are dead. */
  async #deadOwners(tree: LocalTree): Promise<Set<string>> {
    const dead = new Set<string>();
    for (const owner of tree.owners()) if (!(await this.#alive(owner))) dead.add(owner);
    return dead;
  }

  /** The current tree and its dead owners, for reading. */
  async #view(): Promise<{ tree: LocalTree; dead: Set<string> }> {
    this.#check("read", this.file);
    const tree = await this.#load();
    return { tree, dead: await this.#deadOwners(tree) };
  }

  /**
   * Applies `change` to a fresh copy of the tree under the file lock and saves it; dead owners'
   * ephemerals are dropped first. Nothing is written when `change` throws.
   */
  #mutate<T>(what: string, path: string, change: (tree: LocalTree) => T): Promise<T> {
    this.#check(what, path);
    return this.#locked(async () => {
      const tree = (await this.#load()).clone();
      const dead = await this.#deadOwners(tree);
      const before = tree.counter;
      tree.drop(tree.ephemeralsOf(dead));
      const result = change(tree);
      if (tree.counter !== before) await this.#save(tree);
      for (const owner of dead) await Deno.remove(`${this.#ownersDir}/${owner}`).catch(() => {});
      return result;
    });
  }

  #check(what: string, path: string): void {
    if (this.#closed) {
      throw new StoreError("CLOSED", `${what} on closed store ${this.description}`, path);
    }
  }

  // ---- Store ----

  /** Reads one node, or null. */
  async get(path: string): Promise<StoredNode | null> {
    return (await this.getMany([path]))[0];
  }

  /** Reads many nodes from one snapshot of the file. */
  async getMany(paths: readonly string[]): Promise<(StoredNode | null)[]> {
    for (const path of paths) validatePath(path);
    const { tree, dead } = await this.#view();
    return paths.map((path) => tree.stored(path, dead));
  }

  /** Creates a node (with `parents`, missing ancestors too); resolves to the created path. */
  async create(path: string, data: string, options: CreateOptions = {}): Promise<string> {
    validatePath(path);
    return await this.#mutate("create", path, (tree) => {
      if (options.parents) {
        const missing: string[] = [];
        for (
          let p = parentPath(path);
          p !== undefined && tree.node(p) === undefined;
          p = parentPath(p)
        ) {
          missing.unshift(p);
        }
        for (const p of missing) tree.create(p, "");
      }
      return tree.create(
        path,
        data,
        options.ephemeral ? this.#ownerId : undefined,
        options.sequential ?? false,
      );
    });
  }

  /** Sets data, optionally only at `version`. */
  async set(path: string, data: string, version?: number): Promise<void> {
    validatePath(path);
    await this.#mutate("set", path, (tree) => tree.set(path, data, version));
  }

  /** Deletes a childless node, optionally only at `version`. */
  async delete(path: string, version?: number): Promise<void> {
    validatePath(path);
    await this.#mutate("delete", path, (tree) => tree.delete(path, version));
  }

  /** Applies all operations or none. */
  async multi(ops: readonly StoreOp[]): Promise<void> {
    if (ops.length === 0) return;
    for (const op of ops) validatePath(op.path);
    await this.#mutate("multi", ops[0].path, (tree) => {
      ops.forEach((op, index) => {
        try {
          tree.apply(op, this.#ownerId);
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

  /** Watches a node's data and existence by polling the file. */
  watch(path: string, onChange: (node: StoredNode | null) => void): () => void {
    validatePath(path);
    this.#check("watch", path);
    const watch: LocalWatch = { path, onChange, stopped: false };
    this.#watches.add(watch);
    this.#timer ??= setInterval(() => void this.#poll(), POLL_MS);
    void this.#poll(watch);
    return () => {
      watch.stopped = true;
      this.#watches.delete(watch);
      if (this.#watches.size === 0 && this.#timer !== undefined) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    };
  }

  /** Looks at the file and reports changed watched nodes (or just `only`, at once). */
  async #poll(only?: LocalWatch): Promise<void> {
    if (only === undefined) {
      if (this.#polling) return;
      this.#polling = true;
    }
    try {
      if (this.#closed) return;
      let view;
      try {
        view = await this.#view();
      } catch (error) {
        if (only !== undefined) console.error(`local store: watch ${only.path}:`, error);
        return;
      }
      for (const watch of only ? [only] : [...this.#watches]) {
        if (watch.stopped || this.#closed) continue;
        const node = view.tree.stored(watch.path, view.dead);
        const raw = view.tree.node(watch.path);
        const signature = node === null
          ? "none"
          : `${raw?.created}:${node.version}:${node.ephemeral}:${node.data}`;
        if (signature === watch.last) continue;
        watch.last = signature;
        try {
          watch.onChange(node);
        } catch (error) {
          console.error(`local store: watch callback for ${watch.path} threw:`, error);
        }
      }
    } finally {
      if (only === undefined) this.#polling = false;
    }
  }

  /** Never reports anything (no connection, no session to lose). */
  onState(_listener: (state: SessionState) => void): () => void {
    return () => {};
  }

  /**
   * Creates an ephemeral node owned by this store (gone when it closes or its process dies).
   * A dead owner's node or a childless persistent one already there is replaced; a live
   * owner's never is (`NODE_EXISTS`).
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
    await this.#mutate("ephemeral", handle.path, (tree) => {
      const node = tree.node(handle.path);
      if (node !== undefined && node.owner === this.#ownerId) {
        tree.set(handle.path, handle.data);
        return;
      }
      if (node?.owner !== undefined) {
        throw new StoreError("NODE_EXISTS", "another store owns this ephemeral node", handle.path);
      }
      if (node !== undefined) tree.delete(handle.path);
      tree.create(handle.path, handle.data, this.#ownerId);
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
    await this.#mutate("delete", handle.path, (tree) => {
      if (tree.node(handle.path)?.owner === this.#ownerId) tree.delete(handle.path);
    });
  }

  /** Tries the lock `/ZktoolsLocks/<name>` (same layout as ZooKeeper); null when held. */
  async tryLock(name: string): Promise<Lock | null> {
    validateLockName(name);
    const dir = `${LOCKS_ROOT}/${name}`;
    const mine = await this.#mutate("tryLock", dir, (tree) => {
      if (tree.node(LOCKS_ROOT) === undefined) tree.create(LOCKS_ROOT, LOCKS_ROOT_DATA);
      if (tree.node(dir) === undefined) tree.create(dir, LOCK_NODE_DATA);
      const held = tree.children(dir).some((child) => !Number.isNaN(sequenceOf(child)));
      if (held) return undefined;
      return tree.create(`${dir}/${LOCK_CHILD_PREFIX}`, "", this.#ownerId, true);
    });
    if (mine === undefined) return null;
    let released = false;
    return {
      release: async () => {
        if (released || this.#closed) return;
        released = true;
        await this.#mutate("release lock", mine, (tree) => {
          if (tree.node(mine)?.owner === this.#ownerId) tree.delete(mine);
        });
      },
    };
  }

  /** Deletes this store's ephemerals and locks, releases its owner file, stops watches. */
  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.#mutate("close", this.file, (tree) => {
        for (const path of tree.ephemeralsOf(new Set([this.#ownerId]))) tree.delete(path);
      });
    } finally {
      this.#closed = true;
      for (const watch of this.#watches) watch.stopped = true;
      this.#watches.clear();
      this.#ephemerals.clear();
      if (this.#timer !== undefined) clearInterval(this.#timer);
      this.#timer = undefined;
      await this.#queue;
      this.#ownerHandle?.close();
      this.#ownerHandle = undefined;
      await Deno.remove(`${this.#ownersDir}/${this.#ownerId}`).catch(() => {});
    }
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
