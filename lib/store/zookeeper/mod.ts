/**
 * The ZooKeeper store: {@linkcode Store} on a ZooKeeper ensemble through `node-zookeeper-client`.
 *
 * - Reads are batched and pipelined (`zk_reads.ts`): `multiRead` requests (ZooKeeper ≥ 3.6),
 *   all at once; on older servers one request per node, all at once.
 * - Watches are persistent (`zk_watches.ts`), built from one-shot watches that are re-armed
 *   after each event, reconnect and session expiry.
 * - On session expiry a new session is opened transparently (`zk_connection.ts`): listeners see
 *   `expired`, then `connected` once every {@linkcode EphemeralHandle} has been re-created with
 *   its latest data (`zk_ephemerals.ts`) and watches are re-armed. Locks (`zk_locks.ts`) do not
 *   survive an expiry.
 * - A chroot (`host:port/some/root`) is applied by the store itself and created when missing.
 *
 * @module
 */
import type {
  CreateOptions,
  EphemeralHandle,
  Lock,
  ReadOptions,
  SessionState,
  Store,
  StoredNode,
  StoreOp,
  WatchOptions,
} from "../types.ts";
import { StoreError } from "../types.ts";
import { checkNetPermission, ZkConnection, type ZooKeeperOptions } from "./connection.ts";
import { parseConnectString } from "../connect_string.ts";
import { ZkReads } from "./reads.ts";
import { ZkWrites } from "./writes.ts";
import { ZkWatches } from "./watches.ts";
import { ZkEphemerals } from "./ephemerals.ts";
import { tryZkLock } from "./locks.ts";

export { checkNetPermission, type ZooKeeperOptions } from "./connection.ts";

/** Connects to ZooKeeper; see {@linkcode ZooKeeperStore}. */
export function connectZooKeeper(
  connect: string,
  options: ZooKeeperOptions = {},
): Promise<ZooKeeperStore> {
  try {
    checkNetPermission(parseConnectString(connect).hosts);
  } catch (error) {
    return Promise.reject(error);
  }
  return ZooKeeperStore.connect(connect, options);
}

/** The largest multi payload sent: well under the server's 1 MiB `jute.maxbuffer`. */
const MAX_MULTI_BYTES = 512 * 1024;

/** A {@linkcode Store} on ZooKeeper. Make one with {@linkcode connectZooKeeper}. */
export class ZooKeeperStore implements Store {
  /** `zookeeper <connect string>` */
  readonly description: string;
  /** 512 KiB. */
  readonly maxMultiBytes: number = MAX_MULTI_BYTES;
  readonly #conn: ZkConnection;
  readonly #reads: ZkReads;
  readonly #writes: ZkWrites;
  readonly #watches: ZkWatches;
  readonly #ephemerals: ZkEphemerals;

  private constructor(conn: ZkConnection) {
    this.#conn = conn;
    this.description = conn.description;
    this.#reads = new ZkReads(conn);
    this.#writes = new ZkWrites(conn);
    this.#watches = new ZkWatches(conn);
    this.#ephemerals = new ZkEphemerals(conn, this.#writes);
    conn.recreate = (stale) => this.#ephemerals.recreateAll(stale);
    conn.refresh = () => this.#watches.refreshAll();
  }

  /** Connects (use {@linkcode connectZooKeeper}). */
  static async connect(connect: string, options: ZooKeeperOptions = {}): Promise<ZooKeeperStore> {
    const address = parseConnectString(connect);
    const store = new ZooKeeperStore(new ZkConnection(connect, address, options));
    const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    if (!await store.#conn.start(connectTimeoutMs)) {
      await store.close();
      throw new StoreError(
        "CONNECTION",
        `cannot connect to zookeeper within ${connectTimeoutMs} ms`,
        connect,
      );
    }
    if (address.chroot !== "") {
      try {
        await store.#writes.ensureRaw(address.chroot);
      } catch (error) {
        await store.close();
        throw error;
      }
    }
    return store;
  }

  /** The current session id as 16 hex digits (changes after an expiry). */
  get sessionId(): string {
    return this.#conn.client?.getSessionId().toString("hex") ?? "";
  }

  /** Whether the session is connected now (a lost connection may come back: see `onState`). */
  get connected(): boolean {
    return this.#conn.connected;
  }

  /** Reads one node, or null (with `dataOnly`, one `getData` request). */
  get(path: string, options?: ReadOptions): Promise<StoredNode | null> {
    return this.#reads.get(path, options);
  }

  /** Reads many nodes with every request in flight at once (see `zk_reads.ts`). */
  getMany(paths: readonly string[], options?: ReadOptions): Promise<(StoredNode | null)[]> {
    return this.#reads.getMany(paths, options);
  }

  /**
   * Creates a node (and, with `parents`, its missing ancestors, in one round trip); resolves to
   * the created path (with its sequence suffix when `sequential`).
   */
  create(path: string, data: string, options: CreateOptions = {}): Promise<string> {
    return this.#writes.create(path, data, options);
  }

  /** Sets data, optionally only at `version`. */
  set(path: string, data: string, version?: number): Promise<void> {
    return this.#writes.set(path, data, version);
  }

  /** Deletes a childless node, optionally only at `version`. */
  delete(path: string, version?: number): Promise<void> {
    return this.#writes.delete(path, version);
  }

  /** Applies all operations in one ZooKeeper transaction. */
  multi(ops: readonly StoreOp[]): Promise<void> {
    return this.#writes.multi(ops);
  }

  /** Watches a node's data and existence (see {@linkcode Store.watch}). */
  watch(
    path: string,
    onChange: (node: StoredNode | null) => void,
    options?: WatchOptions,
  ): () => void {
    return this.#watches.watch(path, onChange, options);
  }

  /** Subscribes to `connected`, `disconnected` and `expired`. */
  onState(listener: (state: SessionState) => void): () => void {
    return this.#conn.onState(listener);
  }

  /**
   * Creates an ephemeral node kept alive across session expiry. A childless persistent node at
   * `path` is replaced (deleted at the version read); another session's ephemeral node never is
   * (`NODE_EXISTS`).
   */
  ephemeral(path: string, data: string): Promise<EphemeralHandle> {
    return this.#ephemerals.ephemeral(path, data);
  }

  /** Tries the zktools-style lock `/ZktoolsLocks/<name>`; null when someone else holds it. */
  tryLock(name: string): Promise<Lock | null> {
    return tryZkLock(this.#conn, this.#writes, name);
  }

  /** Closes the session (its ephemerals and locks vanish) and stops all watches. */
  async close(): Promise<void> {
    if (this.#conn.closed) return;
    this.#watches.stopAll();
    this.#ephemerals.clear();
    await this.#conn.close();
  }
}
