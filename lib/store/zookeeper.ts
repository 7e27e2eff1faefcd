/**
 * The ZooKeeper store: {@linkcode Store} on a ZooKeeper ensemble through `node-zookeeper-client`.
 *
 * - Reads are batched and pipelined: {@linkcode ZooKeeperStore.getMany} sends `multiRead`
 *   requests (ZooKeeper ≥ 3.6), all at once; on older servers one request per node, all at once.
 * - Watches are persistent, built from one-shot watches that are re-armed after each event,
 *   reconnect and session expiry.
 * - On session expiry a new session is opened transparently: listeners see `expired`, then
 *   `connected` once every {@linkcode EphemeralHandle} has been re-created with its latest data
 *   and watches are re-armed. Locks do not survive an expiry.
 * - A chroot (`host:port/some/root`) is applied by the store itself and created when missing.
 *
 * @module
 */
import { type Manager, patchConnectionManager, queueRawRequest } from "./zk_wire_patch.ts";
import {
  encodeMultiRead,
  ERROR,
  GET_CHILDREN,
  GET_DATA,
  MULTI_READ,
  type MultiReadReply,
  parseMultiRead,
  type ReadOp,
  type ReadResult,
} from "./zk_multi_read.ts";
import { Buffer } from "node:buffer";
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
import {
  baseName,
  LOCK_CHILD_PREFIX,
  LOCK_NODE_DATA,
  LOCKS_ROOT,
  LOCKS_ROOT_DATA,
  parentPath,
  sequenceOf,
  validateLockName,
  validatePath,
} from "./path.ts";
import {
  OP,
  stopClient,
  toStoreError,
  zk,
  type ZkClient,
  type ZkStat,
  type ZkTransactionOp,
  type ZkWatcher,
} from "./zk_client.ts";

/** Options of {@linkcode connectZooKeeper}. */
export interface ZooKeeperOptions {
  /** Requested session timeout (the server may bound it). Default 10 000 ms. */
  sessionTimeoutMs?: number;
  /** How long the first connection may take before failing with `CONNECTION`. Default 10 000. */
  connectTimeoutMs?: number;
  /**
   * How long one request may wait for its answer (it is queued while disconnected) before
   * failing with `CONNECTION`; its outcome is then unknown. Default 30 000 ms.
   */
  operationTimeoutMs?: number;
}

/** A parsed connect string. */
export interface ZooKeeperAddress {
  /** `host:port[,host:port…]` */
  hosts: string;
  /** The chroot without trailing slash, "" for none. */
  chroot: string;
}

/**
 * Parses and validates `host:port[,host:port][/chroot]` (port defaults to 2181); throws
 * {@linkcode StoreError} `INVALID` naming the connect string.
 */
export function parseConnectString(connect: string): ZooKeeperAddress {
  const invalid = (why: string) =>
    new StoreError("INVALID", `invalid zookeeper connect string "${connect}": ${why}`);
  if (connect === "" || /\s/.test(connect)) throw invalid("empty or contains spaces");
  const slash = connect.indexOf("/");
  const hostPart = slash === -1 ? connect : connect.slice(0, slash);
  let chroot = slash === -1 ? "" : connect.slice(slash);
  if (chroot === "/") chroot = "";
  if (chroot !== "") {
    try {
      validatePath(chroot);
    } catch {
      throw invalid(`bad chroot ${chroot}`);
    }
  }
  const hosts = hostPart.split(",");
  for (const host of hosts) {
    const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+)(?::(\d+))?$/.exec(host);
    if (match === null) throw invalid(`bad host "${host}"`);
    if (match[2] !== undefined) {
      const port = Number(match[2]);
      if (port < 1 || port > 65535) throw invalid(`bad port in "${host}"`);
    }
  }
  return { hosts: hosts.join(","), chroot };
}

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

/**
 * Fails at once, saying why, when this process may not reach the servers (Deno permissions):
 * otherwise the client would retry until its connect timeout and blame the network.
 */
export function checkNetPermission(hosts: string): void {
  for (const host of hosts.split(",")) {
    const state = Deno.permissions.querySync({ name: "net", host }).state;
    if (state !== "granted") {
      throw new StoreError(
        "PERMISSION",
        `no permission to connect to ${host}: run with --allow-net (or --allow-net=${host})`,
      );
    }
  }
}

/** The largest multi payload sent: well under the server's 1 MiB `jute.maxbuffer`. */
const MAX_MULTI_BYTES = 512 * 1024;
/** Ops per `multiRead` request: small replies (node data is small), many in flight. */
const READ_BATCH = 500;
/** ZooKeeper's error codes for "no such node" and "op not implemented by this server". */
const ZK_NO_NODE = -101;
const ZK_UNIMPLEMENTED = -6;
/** How long `close` waits for the server to end the session. */
const CLOSE_WAIT_MS = 3_000;

interface Watch {
  readonly path: string;
  readonly onChange: (node: StoredNode | null) => void;
  readonly watcher: ZkWatcher;
  stopped: boolean;
}

const utf8 = new TextDecoder();

/** The error of a failed (or unexpected) `multiRead` result. */
function resultError(result: ReadResult, what: string, path: string): StoreError {
  if (result.type === ERROR) return toStoreError(zk.Exception.create(result.err), what, path);
  return new StoreError("INVALID", `zookeeper ${what} got a result of op ${result.type}`, path);
}

function isZero(buffer: Buffer | undefined): boolean {
  return buffer === undefined || buffer.every((b) => b === 0);
}

function isCode(error: unknown, code: StoreError["code"]): boolean {
  return error instanceof StoreError && error.code === code;
}

/** A {@linkcode Store} on ZooKeeper. Make one with {@linkcode connectZooKeeper}. */
export class ZooKeeperStore implements Store {
  /** `zookeeper <connect string>` */
  readonly description: string;
  /** 512 KiB. */
  readonly maxMultiBytes: number = MAX_MULTI_BYTES;
  readonly #connect: string;
  readonly #address: ZooKeeperAddress;
  readonly #sessionTimeoutMs: number;
  readonly #operationTimeoutMs: number;
  #client: ZkClient | undefined;
  #connected = false;
  /** False once the server refused `multiRead` (older than 3.6): reads go node by node. */
  #multiRead = true;
  #recovering = false;
  #closed = false;
  #connectedWaiters: (() => void)[] = [];
  readonly #watches = new Set<Watch>();
  readonly #ephemerals = new Map<string, ZooKeeperEphemeral>();
  readonly #listeners = new Set<(state: SessionState) => void>();

  private constructor(connect: string, address: ZooKeeperAddress, options: ZooKeeperOptions) {
    this.#connect = connect;
    this.#address = address;
    this.description = `zookeeper ${connect}`;
    this.#sessionTimeoutMs = options.sessionTimeoutMs ?? 10_000;
    this.#operationTimeoutMs = options.operationTimeoutMs ?? 30_000;
  }

  /** Connects (use {@linkcode connectZooKeeper}). */
  static async connect(connect: string, options: ZooKeeperOptions = {}): Promise<ZooKeeperStore> {
    const address = parseConnectString(connect);
    const store = new ZooKeeperStore(connect, address, options);
    const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    store.#newClient(false);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const connected = await Promise.race([
      store.#waitConnected().then(() => true),
      new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), connectTimeoutMs)),
    ]);
    clearTimeout(timer);
    if (!connected) {
      await store.close();
      throw new StoreError(
        "CONNECTION",
        `cannot connect to zookeeper within ${connectTimeoutMs} ms`,
        connect,
      );
    }
    if (address.chroot !== "") {
      try {
        await store.#ensureRaw(address.chroot);
      } catch (error) {
        await store.close();
        throw error;
      }
    }
    return store;
  }

  /** The current session id as 16 hex digits (changes after an expiry). */
  get sessionId(): string {
    return this.#client?.getSessionId().toString("hex") ?? "";
  }

  // ---- connection management ----

  #newClient(afterExpiry: boolean): void {
    patchConnectionManager();
    const client = zk.createClient(this.#address.hosts, {
      sessionTimeout: this.#sessionTimeoutMs,
      spinDelay: 250,
      retries: 0,
    });
    this.#client = client;
    this.#connected = false;
    if (afterExpiry) this.#recovering = true;
    client.on("connected", () => {
      if (client !== this.#client || this.#closed) return;
      this.#connected = true;
      if (this.#recovering) {
        void this.#recover();
      } else {
        this.#wakeWaiters();
        this.#emit("connected");
        this.#refreshAll();
      }
    });
    client.on("disconnected", () => {
      if (client !== this.#client || this.#closed) return;
      if (this.#connected) {
        this.#connected = false;
        this.#emit("disconnected");
      }
    });
    client.on("expired", () => {
      if (client !== this.#client || this.#closed) return;
      if (this.#connected) {
        this.#connected = false;
        this.#emit("disconnected");
      }
      this.#emit("expired");
      this.#newClient(true);
      stopClient(client);
    });
    client.connect();
    this.#watchHandshake(client);
  }

  /**
   * The client has no timeout for the session handshake: a server that accepts the connection
   * but does not answer (still starting up) would hold it forever. While not connected, drop the
   * socket every so often so the client tries again.
   */
  #watchHandshake(client: ZkClient): void {
    const every = Math.max(1_000, Math.min(2_000, Math.floor(this.#sessionTimeoutMs / 3)));
    let previous: unknown;
    const timer = setInterval(() => {
      if (this.#closed || client !== this.#client) {
        clearInterval(timer);
        return;
      }
      const socket = client.connectionManager?.socket;
      if (this.#connected) {
        previous = undefined;
        return;
      }
      // Only a socket seen stuck for a whole period is dropped.
      if (socket !== undefined && socket === previous) socket.destroy();
      previous = socket;
    }, every);
    Deno.unrefTimer(timer as unknown as number);
  }

  /** After an expiry: re-create ephemerals, then report `connected` and re-arm watches. */
  async #recover(): Promise<void> {
    const client = this.#client;
    const stale = () => client !== this.#client || this.#closed || !this.#connected;
    for (const handle of [...this.#ephemerals.values()]) {
      for (let attempt = 1;; attempt++) {
        if (stale()) return; // the next `connected` starts over
        try {
          await this.#ensureEphemeral(handle.path, () => handle.data);
          break;
        } catch (error) {
          if (!isCode(error, "CONNECTION") || attempt >= 3) {
            console.error(`zookeeper store: cannot re-create ephemeral ${handle.path}:`, error);
            break;
          }
        }
      }
    }
    if (stale()) return;
    this.#recovering = false;
    this.#wakeWaiters();
    this.#emit("connected");
    this.#refreshAll();
  }

  #wakeWaiters(): void {
    for (const wake of this.#connectedWaiters.splice(0)) wake();
  }

  /** Resolves when connected (at once if connected), or when the store closes. */
  #waitConnected(): Promise<void> {
    if (this.#connected || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#connectedWaiters.push(resolve));
  }

  #emit(state: SessionState): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(state);
      } catch (error) {
        console.error("zookeeper store: state listener threw:", error);
      }
    }
  }

  #live(what: string, path: string): ZkClient {
    if (this.#closed || this.#client === undefined) {
      throw new StoreError("CLOSED", `${what} on closed store ${this.description}`, path);
    }
    return this.#client;
  }

  #abs(path: string): string {
    const chroot = this.#address.chroot;
    if (chroot === "") return path;
    return path === "/" ? chroot : chroot + path;
  }

  #rel(absolute: string): string {
    const chroot = this.#address.chroot;
    if (chroot === "") return absolute;
    return absolute === chroot ? "/" : absolute.slice(chroot.length);
  }

  /** Sends one request; rejects with a StoreError naming `path` (relative) on failure. */
  #request<T>(
    what: string,
    path: string,
    send: (client: ZkClient, done: (error: unknown, value?: T) => void) => void,
  ): Promise<T> {
    let client: ZkClient;
    try {
      client = this.#live(what, path);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new StoreError(
            "CONNECTION",
            `zookeeper ${what} got no answer from ${this.#connect} in ${this.#operationTimeoutMs} ms`,
            path,
          ),
        );
      }, this.#operationTimeoutMs);
      try {
        send(client, (error, value) => {
          clearTimeout(timer);
          if (error) reject(toStoreError(error, what, path));
          else resolve(value as T);
        });
      } catch (error) {
        clearTimeout(timer);
        reject(toStoreError(error, what, path));
      }
    });
  }

  // ---- reads ----

  /** Reads one node, or null. */
  async get(path: string): Promise<StoredNode | null> {
    return (await this.getMany([path]))[0];
  }

  /**
   * Reads many nodes with every request in flight at once: `multiRead` batches of `getData`,
   * each followed by a batch of `getChildren` for the nodes whose stat says they have children
   * (most nodes of a cluster tree are leaves). Without `multiRead`, one request per node.
   */
  async getMany(paths: readonly string[]): Promise<(StoredNode | null)[]> {
    for (const path of paths) validatePath(path);
    if (this.#multiRead) {
      try {
        return await this.#readBatches(paths);
      } catch (error) {
        // A server older than 3.6 refuses `multiRead` and drops the connection: read again
        // node by node (requests wait for the reconnect).
        if (this.#multiRead || !isCode(error, "CONNECTION")) throw error;
      }
    }
    return await Promise.all(paths.map((path) => this.#read(path)));
  }

  /** Reads `paths` in `multiRead` batches, all in flight at once. */
  async #readBatches(paths: readonly string[]): Promise<(StoredNode | null)[]> {
    const nodes: (StoredNode | null)[] = new Array(paths.length).fill(null);
    const batches: Promise<void>[] = [];
    for (let start = 0; start < paths.length; start += READ_BATCH) {
      batches.push(this.#readBatch(paths.slice(start, start + READ_BATCH), nodes, start));
    }
    await Promise.all(batches);
    return nodes;
  }

  /** Reads `paths` into `nodes` from `offset` on: one `multiRead` of data, one of children. */
  async #readBatch(
    paths: readonly string[],
    nodes: (StoredNode | null)[],
    offset: number,
  ): Promise<void> {
    const data = await this.#multiReadOps(GET_DATA, paths);
    if (data === undefined) {
      const read = await Promise.all(paths.map((path) => this.#read(path)));
      read.forEach((node, i) => nodes[offset + i] = node);
      return;
    }
    const parents: number[] = [];
    data.forEach((result, i) => {
      if (result.type === GET_DATA) {
        nodes[offset + i] = {
          data: utf8.decode(result.data),
          version: result.stat.version,
          ephemeral: result.stat.ephemeralOwner !== 0n,
          children: [],
        };
        if (result.stat.numChildren > 0) parents.push(i);
      } else if (result.type !== ERROR || result.err !== ZK_NO_NODE) {
        throw resultError(result, "getData", paths[i]);
      }
    });
    if (parents.length === 0) return;
    const children = await this.#multiReadOps(GET_CHILDREN, parents.map((i) => paths[i]));
    for (const [k, i] of parents.entries()) {
      const result = children?.[k] ?? await this.#childrenOf(paths[i]);
      if (result.type === GET_CHILDREN) {
        nodes[offset + i]!.children = result.children.sort();
      } else if (result.type === ERROR && result.err === ZK_NO_NODE) {
        nodes[offset + i] = null; // gone between the two reads
      } else {
        throw resultError(result, "getChildren", paths[i]);
      }
    }
  }

  /** `getChildren` of one node as a read result (the fallback of a refused `multiRead`). */
  async #childrenOf(path: string): Promise<ReadResult> {
    const abs = this.#abs(path);
    try {
      const children = await this.#request<string[]>(
        "getChildren",
        path,
        (c, done) => c.getChildren(abs, undefined, (e, children) => done(e, children)),
      );
      return { type: GET_CHILDREN, children };
    } catch (error) {
      if (isCode(error, "NO_NODE")) return { type: ERROR, err: ZK_NO_NODE };
      throw error;
    }
  }

  /**
   * One `multiRead` of op `type` on every path (relative). Resolves to one result per path, or
   * undefined when the server refused the request (then the caller reads node by node; a
   * server without `multiRead` is remembered).
   */
  async #multiReadOps(
    type: ReadOp["type"],
    paths: readonly string[],
  ): Promise<ReadResult[] | undefined> {
    const ops = paths.map((path): ReadOp => ({ type, path: this.#abs(path) }));
    const what = type === GET_DATA ? "multiRead getData" : "multiRead getChildren";
    const where = paths.length === 1 ? paths[0] : `${paths[0]} (first of ${paths.length})`;
    const reply = await this.#request<MultiReadReply>(what, where, (c, done) => {
      const manager = c.connectionManager as unknown as Manager;
      queueRawRequest(manager, MULTI_READ, (xid) => encodeMultiRead(xid, ops), (error, frame) => {
        if (error) return done(error);
        try {
          done(null, parseMultiRead(frame!));
        } catch (parseError) {
          done(parseError);
        }
      });
    });
    if (reply.err === 0 && reply.results.length === ops.length) return reply.results;
    if (reply.err === ZK_UNIMPLEMENTED) this.#multiRead = false;
    else if (reply.err === 0) {
      throw new StoreError(
        "INVALID",
        `zookeeper ${what} answered ${reply.results.length} results for ${ops.length} ops`,
        where,
      );
    }
    return undefined;
  }

  async #read(path: string): Promise<StoredNode | null> {
    const abs = this.#abs(path);
    try {
      const [data, stat] = await this.#request<[Buffer | undefined, ZkStat]>(
        "getData",
        path,
        (c, done) => c.getData(abs, undefined, (e, data, stat) => done(e, [data, stat as ZkStat])),
      );
      const children = stat.numChildren === 0 ? [] : await this.#request<string[]>(
        "getChildren",
        path,
        (c, done) => c.getChildren(abs, undefined, (e, children) => done(e, children)),
      );
      return {
        data: data === undefined || data === null ? "" : data.toString("utf8"),
        version: stat.version,
        ephemeral: !isZero(stat.ephemeralOwner),
        children: [...children].sort(),
      };
    } catch (error) {
      // Gone between the two requests, or before: the node does not exist.
      if (isCode(error, "NO_NODE")) return null;
      throw error;
    }
  }

  // ---- writes ----

  /**
   * Creates a node (and, with `parents`, its missing ancestors, in one round trip); resolves to
   * the created path (with its sequence suffix when `sequential`).
   */
  async create(path: string, data: string, options: CreateOptions = {}): Promise<string> {
    validatePath(path);
    if (path === "/") throw new StoreError("NODE_EXISTS", "cannot create the root", path);
    const missing: string[] = [];
    if (options.parents) {
      for (let p = parentPath(path); p !== undefined && p !== "/"; p = parentPath(p)) {
        missing.unshift(p);
      }
    }
    // Sent in order on one connection, so the server creates them top-down.
    const ancestors = missing.map((p) =>
      this.#createRaw(p, "", zk.CreateMode.PERSISTENT).catch((error) => {
        if (!isCode(error, "NODE_EXISTS")) throw error;
      })
    );
    const mode = options.sequential
      ? (options.ephemeral
        ? zk.CreateMode.EPHEMERAL_SEQUENTIAL
        : zk.CreateMode.PERSISTENT_SEQUENTIAL)
      : (options.ephemeral ? zk.CreateMode.EPHEMERAL : zk.CreateMode.PERSISTENT);
    const created = this.#createRaw(path, data, mode);
    const results = await Promise.allSettled([...ancestors, created]);
    for (const result of results) {
      if (result.status === "rejected") throw result.reason;
    }
    return (results[results.length - 1] as PromiseFulfilledResult<string>).value;
  }

  /** Creates `path` (relative) with `mode`; resolves to the created relative path. */
  async #createRaw(path: string, data: string, mode: number): Promise<string> {
    const abs = this.#abs(path);
    const created = await this.#request<string>(
      "create",
      path,
      (c, done) => c.create(abs, Buffer.from(data, "utf8"), zk.ACL.OPEN_ACL_UNSAFE, mode, done),
    );
    return this.#rel(created);
  }

  /** Creates every missing node of an absolute server path (the chroot), pipelined. */
  async #ensureRaw(absolute: string): Promise<void> {
    const client = this.#live("create", absolute);
    const parts = absolute.split("/").filter((p) => p !== "");
    const requests = parts.map((_, i) => {
      const p = "/" + parts.slice(0, i + 1).join("/");
      return new Promise<void>((resolve, reject) =>
        client.create(p, Buffer.alloc(0), zk.ACL.OPEN_ACL_UNSAFE, 0, (error) => {
          if (error && error.code !== zk.Exception.NODE_EXISTS) {
            reject(toStoreError(error, "create chroot", p));
          } else resolve();
        })
      );
    });
    await Promise.all(requests);
  }

  /** Sets data, optionally only at `version`. */
  async set(path: string, data: string, version?: number): Promise<void> {
    validatePath(path);
    const abs = this.#abs(path);
    await this.#request<ZkStat>(
      "setData",
      path,
      (c, done) => c.setData(abs, Buffer.from(data, "utf8"), version ?? -1, done),
    );
  }

  /** Deletes a childless node, optionally only at `version`. */
  async delete(path: string, version?: number): Promise<void> {
    validatePath(path);
    if (path === "/") throw new StoreError("INVALID", "cannot delete the root", path);
    const abs = this.#abs(path);
    await this.#request<void>("delete", path, (c, done) => c.remove(abs, version ?? -1, done));
  }

  /** Applies all operations in one ZooKeeper transaction. */
  async multi(ops: readonly StoreOp[]): Promise<void> {
    if (ops.length === 0) return;
    const zkOps: ZkTransactionOp[] = ops.map((op) => {
      validatePath(op.path);
      const path = this.#abs(op.path);
      switch (op.op) {
        case "create":
          return {
            type: OP.CREATE,
            path,
            data: Buffer.from(op.data, "utf8"),
            acls: zk.ACL.OPEN_ACL_UNSAFE,
            mode: op.ephemeral ? zk.CreateMode.EPHEMERAL : zk.CreateMode.PERSISTENT,
          };
        case "set":
          return {
            type: OP.SET_DATA,
            path,
            data: Buffer.from(op.data, "utf8"),
            version: op.version ?? -1,
          };
        case "delete":
          return { type: OP.DELETE, path, version: op.version ?? -1 };
        case "check":
          return { type: OP.CHECK, path, version: op.version };
        default:
          throw new StoreError("INVALID", `unknown store op ${JSON.stringify(op)}`);
      }
    });
    const where = ops.length === 1 ? ops[0].path : `${ops[0].path} (first of ${ops.length} ops)`;
    await this.#request<void>("multi", where, (c, done) => {
      const transaction = c.transaction();
      transaction.ops.push(...zkOps);
      transaction.commit((error, results) => {
        if (!error) return done(null);
        // The op that failed carries its own error; the others carry 0 or -2 (rolled back).
        const index = results?.findIndex((r) => r.type === -1 && r.err !== 0 && r.err !== -2) ??
          -1;
        if (index < 0) return done(error);
        const failed = ops[index];
        done(toStoreError(error, `multi op #${index + 1} (${failed.op})`, failed.path));
      });
    });
  }

  // ---- watches and state ----

  /** Watches a node's data and existence (see {@linkcode Store.watch}). */
  watch(path: string, onChange: (node: StoredNode | null) => void): () => void {
    validatePath(path);
    this.#live("watch", path);
    const watch: Watch = {
      path,
      onChange,
      watcher: () => this.#refresh(watch),
      stopped: false,
    };
    this.#watches.add(watch);
    this.#refresh(watch);
    return () => {
      watch.stopped = true;
      this.#watches.delete(watch);
    };
  }

  #refreshAll(): void {
    for (const watch of this.#watches) this.#refresh(watch);
  }

  /** Reads the watched node, re-arming its one-shot watch, and reports it. */
  #refresh(watch: Watch): void {
    const client = this.#client;
    if (watch.stopped || this.#closed || client === undefined) return;
    const abs = this.#abs(watch.path);
    const current = () => !watch.stopped && !this.#closed && client === this.#client;
    let children: string[] | undefined;
    let node: StoredNode | null | undefined;
    let pending = 2;
    const finish = () => {
      if (--pending > 0 || !current() || node === undefined) return;
      if (node !== null) node.children = children ?? [];
      this.#deliver(watch, node);
    };
    client.getData(abs, watch.watcher, (error, data, stat) => {
      if (!error && stat) {
        node = {
          data: data ? data.toString("utf8") : "",
          version: stat.version,
          ephemeral: !isZero(stat.ephemeralOwner),
          children: [],
        };
        return finish();
      }
      if (error?.code !== zk.Exception.NO_NODE) return finish(); // reconnect will refresh
      client.exists(abs, watch.watcher, (existsError, existsStat) => {
        if (existsError || !current()) return finish();
        if (existsStat) {
          pending = Infinity; // superseded by a fresh read
          this.#refresh(watch);
          return;
        }
        node = null;
        finish();
      });
    });
    client.getChildren(abs, undefined, (error, names) => {
      if (!error && names) children = [...names].sort();
      finish();
    });
  }

  #deliver(watch: Watch, node: StoredNode | null): void {
    try {
      watch.onChange(node);
    } catch (error) {
      console.error(`zookeeper store: watch callback for ${watch.path} threw:`, error);
    }
  }

  /** Subscribes to `connected`, `disconnected` and `expired`. */
  onState(listener: (state: SessionState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  // ---- ephemerals ----

  /**
   * Creates an ephemeral node kept alive across session expiry. A childless persistent node at
   * `path` is replaced (deleted at the version read); another session's ephemeral node never is
   * (`NODE_EXISTS`).
   */
  async ephemeral(path: string, data: string): Promise<EphemeralHandle> {
    validatePath(path);
    if (this.#ephemerals.has(path)) {
      throw new StoreError("NODE_EXISTS", "this store already keeps an ephemeral node", path);
    }
    const handle: ZooKeeperEphemeral = new ZooKeeperEphemeral(path, data, {
      write: (value: string): Promise<void> => this.#writeEphemeral(handle, value),
      remove: () => this.#removeEphemeral(handle),
    });
    this.#ephemerals.set(path, handle);
    try {
      await this.#ensureEphemeral(path, () => handle.data);
    } catch (error) {
      this.#ephemerals.delete(path);
      throw error;
    }
    return handle;
  }

  /** Creates the ephemeral node with the current data, replacing a node owned by others. */
  async #ensureEphemeral(path: string, data: () => string): Promise<void> {
    for (let attempt = 1;; attempt++) {
      try {
        await this.#createRaw(path, data(), zk.CreateMode.EPHEMERAL);
        return;
      } catch (error) {
        if (!isCode(error, "NODE_EXISTS") || attempt >= 5) throw error;
      }
      const abs = this.#abs(path);
      const stat = await this.#request<ZkStat | null | undefined>(
        "exists",
        path,
        (c, done) => c.exists(abs, undefined, done),
      );
      if (!stat) continue;
      const mine = this.#client !== undefined && !isZero(stat.ephemeralOwner) &&
        stat.ephemeralOwner.equals(this.#client.getSessionId());
      if (mine) {
        await this.set(path, data());
        return;
      }
      if (!isZero(stat.ephemeralOwner)) {
        throw new StoreError("NODE_EXISTS", "another session owns this ephemeral node", path);
      }
      try {
        await this.delete(path, stat.version);
      } catch (error) {
        if (!isCode(error, "NO_NODE") && !isCode(error, "BAD_VERSION")) throw error;
      }
    }
  }

  async #writeEphemeral(handle: ZooKeeperEphemeral, data: string): Promise<void> {
    for (;;) {
      if (this.#closed || handle.removed) {
        throw new StoreError("CLOSED", "ephemeral node no longer kept", handle.path);
      }
      try {
        await this.set(handle.path, data);
        return;
      } catch (error) {
        if (isCode(error, "NO_NODE")) {
          await this.#ensureEphemeral(handle.path, () => handle.data);
          return;
        }
        if (!isCode(error, "CONNECTION")) throw error;
      }
      await this.#waitConnected();
    }
  }

  async #removeEphemeral(handle: ZooKeeperEphemeral): Promise<void> {
    if (this.#ephemerals.get(handle.path) === handle) this.#ephemerals.delete(handle.path);
    if (this.#closed) return;
    try {
      await this.delete(handle.path);
    } catch (error) {
      if (!isCode(error, "NO_NODE")) throw error;
    }
  }

  // ---- locks ----

  /** Tries the zktools-style lock `/ZktoolsLocks/<name>`; null when someone else holds it. */
  async tryLock(name: string): Promise<Lock | null> {
    validateLockName(name);
    const dir = `${LOCKS_ROOT}/${name}`;
    const ensure = (path: string, data: string) =>
      this.#createRaw(path, data, zk.CreateMode.PERSISTENT).catch((error) => {
        if (!isCode(error, "NODE_EXISTS")) throw error;
      });
    await Promise.all([ensure(LOCKS_ROOT, LOCKS_ROOT_DATA), ensure(dir, LOCK_NODE_DATA)]);
    const mine = await this.#createRaw(
      `${dir}/${LOCK_CHILD_PREFIX}`,
      "",
      zk.CreateMode.EPHEMERAL_SEQUENTIAL,
    );
    let children: string[];
    try {
      children = (await this.get(dir))?.children ?? [];
    } catch (error) {
      await this.delete(mine).catch(() => {});
      throw error;
    }
    const mySeq = sequenceOf(baseName(mine));
    const lowest = children.every((child) => child === baseName(mine) || sequenceOf(child) > mySeq);
    if (!lowest) {
      await this.delete(mine).catch((error) => {
        if (!isCode(error, "NO_NODE")) throw error;
      });
      return null;
    }
    let released = false;
    return {
      release: async () => {
        if (released || this.#closed) return;
        released = true;
        await this.delete(mine).catch((error) => {
          if (!isCode(error, "NO_NODE")) throw error;
        });
      },
    };
  }

  // ---- close ----

  /** Closes the session (its ephemerals and locks vanish) and stops all watches. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const watch of this.#watches) watch.stopped = true;
    this.#watches.clear();
    this.#ephemerals.clear();
    this.#wakeWaiters();
    const client = this.#client;
    if (client === undefined) return;
    const wasConnected = this.#connected;
    this.#connected = false;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, wasConnected ? CLOSE_WAIT_MS : 0);
      function done() {
        clearTimeout(timer);
        client!.removeListener("disconnected", done);
        resolve();
      }
      client.once("disconnected", done);
      client.close();
    });
    stopClient(client);
  }
}

/** An ephemeral node kept by a {@linkcode ZooKeeperStore}. */
class ZooKeeperEphemeral implements EphemeralHandle {
  readonly path: string;
  data: string;
  removed = false;
  readonly #ops: { write(data: string): Promise<void>; remove(): Promise<void> };

  constructor(
    path: string,
    data: string,
    ops: { write(data: string): Promise<void>; remove(): Promise<void> },
  ) {
    this.path = path;
    this.data = data;
    this.#ops = ops;
  }

  /** Replaces the data (waiting for a connection if needed); remembered for re-creation. */
  update(data: string): Promise<void> {
    this.data = data;
    return this.#ops.write(data);
  }

  /** Deletes the node and stops keeping it. */
  remove(): Promise<void> {
    this.removed = true;
    return this.#ops.remove();
  }
}
