/**
 * The slice of `node-zookeeper-client` (v1.1.3, untyped) that the ZooKeeper store uses, typed,
 * plus the mapping of its exceptions to {@linkcode StoreError}.
 *
 * @module
 */
import zookeeper from "node-zookeeper-client";
import type { Buffer } from "node:buffer";
import { StoreError, type StoreErrorCode } from "../types.ts";
import { stopManager } from "./wire_patch.ts";
import { message } from "../../error_message.ts";

/** A node's stat as the client returns it. */
export interface ZkStat {
  /** Data version. */
  version: number;
  /** Session id of the owner of an ephemeral node; all zero bytes otherwise. */
  ephemeralOwner: Buffer;
  /** How many children the node has. */
  numChildren: number;
  /** Creation time: 8 bytes, big-endian milliseconds since the epoch. */
  ctime: Buffer;
  /** Last modification time, as `ctime`. */
  mtime: Buffer;
}

/** A client exception (`Exception: NO_NODE[-101]`). */
export interface ZkException extends Error {
  /** The numeric ZooKeeper error code. */
  code: number;
}

/** A one-shot watcher function. */
export type ZkWatcher = (event: unknown) => void;

/** One operation of a client transaction, as the client's `Transaction` keeps them. */
export interface ZkTransactionOp {
  /** Op code: 1 create, 2 delete, 5 set data, 13 check. */
  type: number;
  /** Absolute server path. */
  path: string;
  /** Data for create/set. */
  data?: Buffer;
  /** ACLs for create. */
  acls?: unknown[];
  /** Create mode for create. */
  mode?: number;
  /** Version for delete/set/check (-1: any). */
  version?: number;
}

/** A result of a transaction; `err` is set on failed ones (type -1). */
export interface ZkTransactionResult {
  /** Op code of the result, -1 for an error result. */
  type: number;
  /** Error code of an error result (0 when this op did not fail itself). */
  err?: number;
}

/** A client transaction (built by pushing to `ops`: the builder methods turn version 0 into -1). */
export interface ZkTransaction {
  /** The operations to commit. */
  ops: ZkTransactionOp[];
  /** Commits them. */
  commit(callback: (error: ZkException | null, results?: ZkTransactionResult[]) => void): void;
}

/** A queued request inside the client, used to fail requests of a dead session. */
interface ZkPacket {
  callback?: (error: unknown) => void;
}

/** The client API used. */
export interface ZkClient {
  /** Starts connecting. */
  connect(): void;
  /** Closes the session. */
  close(): void;
  /** Subscribes to `connected`, `disconnected`, `expired`. */
  on(event: string, listener: () => void): void;
  /** Subscribes once. */
  once(event: string, listener: () => void): void;
  /** Removes a listener. */
  removeListener(event: string, listener: () => void): void;
  /** The 8-byte session id. */
  getSessionId(): Buffer;
  /** Creates a node; the callback gets the created path. */
  create(
    path: string,
    data: Buffer,
    acls: unknown[],
    mode: number,
    callback: (error: ZkException | null, path?: string) => void,
  ): void;
  /** Deletes a node. */
  remove(path: string, version: number, callback: (error: ZkException | null) => void): void;
  /** Sets data. */
  setData(
    path: string,
    data: Buffer,
    version: number,
    callback: (error: ZkException | null, stat?: ZkStat) => void,
  ): void;
  /** Reads data, optionally leaving a data watch. */
  getData(
    path: string,
    watcher: ZkWatcher | undefined,
    callback: (error: ZkException | null, data?: Buffer, stat?: ZkStat) => void,
  ): void;
  /** Checks existence, leaving a data or existence watch. */
  exists(
    path: string,
    watcher: ZkWatcher | undefined,
    callback: (error: ZkException | null, stat?: ZkStat | null) => void,
  ): void;
  /** Lists children. */
  getChildren(
    path: string,
    watcher: ZkWatcher | undefined,
    callback: (error: ZkException | null, children?: string[], stat?: ZkStat) => void,
  ): void;
  /** Starts a transaction. */
  transaction(): ZkTransaction;
  /** Internals used to fail queued requests of an expired session and to drop the socket. */
  connectionManager?: {
    packetQueue?: { queue?: ZkPacket[] };
    socket?: { destroy(): void };
    connect?: () => void;
  };
}

/** The client module, typed. */
export const zk = zookeeper as unknown as {
  createClient(
    connect: string,
    options: { sessionTimeout: number; spinDelay: number; retries: number },
  ): ZkClient;
  ACL: { OPEN_ACL_UNSAFE: unknown[] };
  CreateMode: {
    PERSISTENT: number;
    PERSISTENT_SEQUENTIAL: number;
    EPHEMERAL: number;
    EPHEMERAL_SEQUENTIAL: number;
  };
  Exception: {
    create(code: number): ZkException;
    NO_NODE: number;
    NODE_EXISTS: number;
    BAD_VERSION: number;
    NOT_EMPTY: number;
    CONNECTION_LOSS: number;
    SESSION_EXPIRED: number;
    OPERATION_TIMEOUT: number;
  };
};

/** Transaction op codes. */
export const OP = { CREATE: 1, DELETE: 2, SET_DATA: 5, CHECK: 13 } as const;

/** The store error code for a ZooKeeper error code. */
export function storeCodeOf(zkCode: number): StoreErrorCode {
  switch (zkCode) {
    case -101:
      return "NO_NODE";
    case -110:
      return "NODE_EXISTS";
    case -103:
      return "BAD_VERSION";
    case -111:
      return "NOT_EMPTY";
    case -4: // connection loss
    case -7: // operation timeout
    case -112: // session expired
      return "CONNECTION";
    default:
      return "INVALID";
  }
}

/** Turns a client exception (or anything thrown) into a {@linkcode StoreError} at `path`. */
export function toStoreError(error: unknown, what: string, path: string): StoreError {
  if (error instanceof StoreError) return error;
  const code = typeof (error as ZkException)?.code === "number"
    ? storeCodeOf((error as ZkException).code)
    : "INVALID";
  const detail = message(error);
  return new StoreError(code, `zookeeper ${what} failed (${detail})`, path);
}

/** Fails every request still queued (not sent) in a client, as after its session expired. */
export function failQueuedRequests(client: ZkClient): void {
  const queue = client.connectionManager?.packetQueue?.queue;
  if (!Array.isArray(queue)) return;
  for (const packet of queue.splice(0)) {
    try {
      packet.callback?.(zk.Exception.create(zk.Exception.SESSION_EXPIRED));
    } catch {
      // a callback's own failure is not ours to handle
    }
  }
}

/**
 * Makes a closed or expired client stop for good: no further connection (neither a new attempt
 * nor one already scheduled: see {@linkcode stopManager}), socket dropped, queued requests failed.
 */
export function stopClient(client: ZkClient): void {
  const manager = client.connectionManager;
  if (manager === undefined) return;
  stopManager(manager);
  manager.connect = () => {};
  manager.socket?.destroy();
  failQueuedRequests(client);
}
