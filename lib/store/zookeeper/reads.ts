/**
 * Reads of the ZooKeeper store, batched and pipelined: `multiRead` requests (ZooKeeper ≥ 3.6),
 * all at once; on older servers one request per node, all at once.
 *
 * @module
 */
import { type Manager, queueRawRequest } from "./wire_patch.ts";
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
} from "./multi_read.ts";
import type { Buffer } from "node:buffer";
import { isStoreError, type ReadOptions, type StoredNode, StoreError } from "../types.ts";
import { validatePath } from "../path.ts";
import { toStoreError, zk, type ZkStat } from "./client.ts";
import { isZero, statTime, type ZkConnection } from "./connection.ts";

/** Ops per `multiRead` request: small replies (node data is small), many in flight. */
const READ_BATCH = 500;
/** ZooKeeper's error codes for "no such node" and "op not implemented by this server". */
const ZK_NO_NODE = -101;
const ZK_UNIMPLEMENTED = -6;

const utf8 = new TextDecoder();

/** The error of a failed (or unexpected) `multiRead` result. */
function resultError(result: ReadResult, what: string, path: string): StoreError {
  if (result.type === ERROR) return toStoreError(zk.Exception.create(result.err), what, path);
  return new StoreError("INVALID", `zookeeper ${what} got a result of op ${result.type}`, path);
}

/** The read side of a ZooKeeper store. */
export class ZkReads {
  readonly #conn: ZkConnection;
  /** False once the server refused `multiRead` (older than 3.6): reads go node by node. */
  #multiRead = true;

  /** Reads through `conn`. */
  constructor(conn: ZkConnection) {
    this.#conn = conn;
  }

  /** Reads one node, or null (see {@linkcode getMany}). */
  async get(path: string, options?: ReadOptions): Promise<StoredNode | null> {
    return (await this.getMany([path], options))[0];
  }

  /**
   * Reads many nodes with every request in flight at once: `multiRead` batches of `getData`,
   * each followed by a batch of `getChildren` for the nodes whose stat says they have children
   * (most nodes of a cluster tree are leaves; with `dataOnly`, none). Without `multiRead`, one
   * request per node (two for a node with children, unless `dataOnly`).
   */
  async getMany(paths: readonly string[], options?: ReadOptions): Promise<(StoredNode | null)[]> {
    for (const path of paths) validatePath(path);
    const withChildren = !options?.dataOnly;
    if (this.#multiRead) {
      try {
        return await this.#readBatches(paths, withChildren);
      } catch (error) {
        // A server older than 3.6 refuses `multiRead` and drops the connection: read again
        // node by node (requests wait for the reconnect).
        if (this.#multiRead || !isStoreError(error, "CONNECTION")) throw error;
      }
    }
    return await Promise.all(paths.map((path) => this.#read(path, withChildren)));
  }

  /** Reads `paths` in `multiRead` batches, all in flight at once. */
  async #readBatches(
    paths: readonly string[],
    withChildren: boolean,
  ): Promise<(StoredNode | null)[]> {
    const nodes: (StoredNode | null)[] = new Array(paths.length).fill(null);
    const batches: Promise<void>[] = [];
    for (let start = 0; start < paths.length; start += READ_BATCH) {
      const batch = paths.slice(start, start + READ_BATCH);
      batches.push(this.#readBatch(batch, nodes, start, withChildren));
    }
    await Promise.all(batches);
    return nodes;
  }

  /**
   * Reads `paths` into `nodes` from `offset` on: one `multiRead` of data, one of children
   * (`withChildren`, for the nodes that have any).
   */
  async #readBatch(
    paths: readonly string[],
    nodes: (StoredNode | null)[],
    offset: number,
    withChildren: boolean,
  ): Promise<void> {
    const data = await this.#multiReadOps(GET_DATA, paths);
    if (data === undefined) {
      const read = await Promise.all(paths.map((path) => this.#read(path, withChildren)));
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
          ctime: result.stat.ctime,
          mtime: result.stat.mtime,
        };
        if (withChildren && result.stat.numChildren > 0) parents.push(i);
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
    const abs = this.#conn.abs(path);
    try {
      const children = await this.#conn.request<string[]>(
        "getChildren",
        path,
        (c, done) => c.getChildren(abs, undefined, (e, children) => done(e, children)),
      );
      return { type: GET_CHILDREN, children };
    } catch (error) {
      if (isStoreError(error, "NO_NODE")) return { type: ERROR, err: ZK_NO_NODE };
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
    const ops = paths.map((path): ReadOp => ({ type, path: this.#conn.abs(path) }));
    const what = type === GET_DATA ? "multiRead getData" : "multiRead getChildren";
    const where = paths.length === 1 ? paths[0] : `${paths[0]} (first of ${paths.length})`;
    const reply = await this.#conn.request<MultiReadReply>(what, where, (c, done) => {
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

  /** One node by plain requests: `getData`, then (`withChildren`, when it has any) `getChildren`. */
  async #read(path: string, withChildren = true): Promise<StoredNode | null> {
    const abs = this.#conn.abs(path);
    try {
      const [data, stat] = await this.#conn.request<[Buffer | undefined, ZkStat]>(
        "getData",
        path,
        (c, done) => c.getData(abs, undefined, (e, data, stat) => done(e, [data, stat as ZkStat])),
      );
      const children = !withChildren || stat.numChildren === 0
        ? []
        : await this.#conn.request<string[]>(
          "getChildren",
          path,
          (c, done) => c.getChildren(abs, undefined, (e, children) => done(e, children)),
        );
      return {
        data: data === undefined || data === null ? "" : data.toString("utf8"),
        version: stat.version,
        ephemeral: !isZero(stat.ephemeralOwner),
        children: [...children].sort(),
        ctime: statTime(stat.ctime),
        mtime: statTime(stat.mtime),
      };
    } catch (error) {
      // Gone between the two requests, or before: the node does not exist.
      if (isStoreError(error, "NO_NODE")) return null;
      throw error;
    }
  }
}
