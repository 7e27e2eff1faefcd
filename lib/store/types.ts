/**
 * The store contract: where the cluster tree lives. Two implementations share it:
 * ZooKeeper (`zookeeper.ts`) and the embedded file-backed store (`local.ts`).
 *
 * Paths are absolute ZooKeeper-style paths (`/`, `/hosts`, `/hosts/1.2.3.4`). Data is text
 * (UTF-8); the tree layer stores node properties in it (see `lib/tree/codec.ts`).
 *
 * @module
 */

/** How {@linkcode Store.get} and {@linkcode Store.getMany} read nodes. */
export interface ReadOptions {
  /**
   * Read only the node's data, version and existence: the node has no `children` (an empty
   * list). For readers that need nothing else (the cluster version at `/hosts`): on ZooKeeper
   * one request instead of two, and no list of children (at `/hosts`, one per host) on the wire.
   */
  dataOnly?: boolean;
}

/** How {@linkcode Store.watch} reads the node it reports. */
export interface WatchOptions {
  /**
   * Read only the node's data, version and existence: the node reported has no `children`
   * (an empty list). For watchers that need nothing else (the agent's watch of `/hosts`, a
   * lock waiting for a node to go): on ZooKeeper one request per change instead of two, and
   * no list of children (at `/hosts`, one per host) on the wire.
   */
  dataOnly?: boolean;
}

/** One node as read from a store. */
export interface StoredNode {
  /** The node's data as text ("" when empty). */
  data: string;
  /** The data version, bumped by every set (ZooKeeper's `stat.version`). */
  version: number;
  /** Whether the node is ephemeral (tied to a session or process). */
  ephemeral: boolean;
  /** Child names, sorted. */
  children: string[];
  /**
   * When the node was created, milliseconds since the epoch, by the store's clock (ZooKeeper's
   * `stat.ctime`; the embedded store's writer's clock); 0 when unknown (an embedded node written
   * before the store kept times, or imported from a file).
   */
  ctime: number;
  /** When the node's data was last set (or the node created), as {@linkcode StoredNode.ctime}. */
  mtime: number;
}

/** Options of {@linkcode Store.create}. */
export interface CreateOptions {
  /** Tied to the session (ZooKeeper) or the owning process (embedded store). */
  ephemeral?: boolean;
  /** Create missing ancestors (with empty data) first. */
  parents?: boolean;
  /** Append the parent's 10-digit sequence counter to the name. */
  sequential?: boolean;
}

/** One operation of an atomic {@linkcode Store.multi}. */
export type StoreOp =
  | { op: "create"; path: string; data: string; ephemeral?: boolean }
  | { op: "set"; path: string; data: string; version?: number }
  | { op: "delete"; path: string; version?: number }
  | { op: "check"; path: string; version: number };

/** Connection state changes a store reports. `expired` means ephemerals were lost. */
export type SessionState = "connected" | "disconnected" | "expired";

/** A held lock; release it when done (closing the store also releases it). */
export interface Lock {
  /** Releases the lock. */
  release(): Promise<void>;
}

/**
 * An ephemeral node the store keeps alive: re-created with its latest data after the session
 * that owned it expired, until `remove` or close.
 */
export interface EphemeralHandle {
  /** The node's path. */
  readonly path: string;
  /** Replaces its data (and remembers it for re-creation). */
  update(data: string): Promise<void>;
  /** Deletes it and stops keeping it alive. */
  remove(): Promise<void>;
}

/** Error codes a store throws, as {@linkcode StoreError}. */
export type StoreErrorCode =
  | "NO_NODE"
  | "NODE_EXISTS"
  | "BAD_VERSION"
  | "NOT_EMPTY"
  | "CONNECTION"
  | "PERMISSION"
  | "CLOSED"
  | "INVALID";

/** A store failure, naming the path it happened at. */
export class StoreError extends Error {
  /** What went wrong. */
  readonly code: StoreErrorCode;
  /** The path involved, when one is. */
  readonly path?: string;
  /** Makes the error. */
  constructor(code: StoreErrorCode, message: string, path?: string) {
    super(path === undefined ? message : `${message}: ${path}`);
    this.name = "StoreError";
    this.code = code;
    this.path = path;
  }
}

/** Whether `error` is a {@linkcode StoreError} with `code`. */
export function isStoreError(error: unknown, code: StoreErrorCode): error is StoreError {
  return error instanceof StoreError && error.code === code;
}

/** A tree store. */
export interface Store {
  /** Human-readable description (`zookeeper 127.0.0.1:2181`, `file /var/lib/x.json`). */
  readonly description: string;
  /** Reads one node, or null when it does not exist (with `dataOnly`, without its children). */
  get(path: string, options?: ReadOptions): Promise<StoredNode | null>;
  /**
   * Reads many nodes with all requests in flight at once (pipelined); null for missing ones
   * (with `dataOnly`, without their children).
   */
  getMany(paths: readonly string[], options?: ReadOptions): Promise<(StoredNode | null)[]>;
  /**
   * Creates a node; its parent must exist unless `parents` (then missing parents get "").
   * With `sequential`, the store appends a 10-digit, zero-padded counter kept per parent (as
   * ZooKeeper does: `lock-` becomes `lock-0000000007`), never reused under that parent.
   * Resolves to the path actually created.
   */
  create(path: string, data: string, options?: CreateOptions): Promise<string>;
  /** Sets a node's data, optionally only if its version is `version`. */
  set(path: string, data: string, version?: number): Promise<void>;
  /** Deletes a node that has no children, optionally only at `version`. */
  delete(path: string, version?: number): Promise<void>;
  /** Applies all operations atomically, or none (throws the first failure). */
  multi(ops: readonly StoreOp[]): Promise<void>;
  /** The largest number of bytes of operations one `multi` call should carry. */
  readonly maxMultiBytes: number;
  /**
   * Watches a node's data and existence. `onChange` is called once at once with the current
   * state, then after every change, and again after a reconnect or session expiry (so no change
   * is missed). Returns a function that stops watching.
   */
  watch(
    path: string,
    onChange: (node: StoredNode | null) => void,
    options?: WatchOptions,
  ): () => void;
  /** Subscribes to connection state changes; returns an unsubscribe function. */
  onState(listener: (state: SessionState) => void): () => void;
  /** Creates an ephemeral node that the store keeps alive across session expiry. */
  ephemeral(path: string, data: string): Promise<EphemeralHandle>;
  /**
   * Tries to take the named lock (a ZooKeeper lock recipe under `/ZktoolsLocks/<name>`) without
   * waiting; null when another holder has it.
   */
  tryLock(name: string): Promise<Lock | null>;
  /** Closes the store: its ephemerals and locks go away. */
  close(): Promise<void>;
}

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
