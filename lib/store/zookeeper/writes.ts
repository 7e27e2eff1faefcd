/**
 * Writes of the ZooKeeper store: creates (with parents, sequential), sets, deletes and multi
 * transactions.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { type CreateOptions, isStoreError, StoreError, type StoreOp } from "../types.ts";
import { parentPath, validatePath } from "../path.ts";
import { OP, toStoreError, zk, type ZkStat, type ZkTransactionOp } from "./client.ts";
import { type ZkConnection } from "./connection.ts";

/** The write side of a ZooKeeper store. */
export class ZkWrites {
  readonly #conn: ZkConnection;

  /** Writes through `conn`. */
  constructor(conn: ZkConnection) {
    this.#conn = conn;
  }

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
      this.createRaw(p, "", zk.CreateMode.PERSISTENT).catch((error) => {
        if (!isStoreError(error, "NODE_EXISTS")) throw error;
      })
    );
    const mode = options.sequential
      ? (options.ephemeral
        ? zk.CreateMode.EPHEMERAL_SEQUENTIAL
        : zk.CreateMode.PERSISTENT_SEQUENTIAL)
      : (options.ephemeral ? zk.CreateMode.EPHEMERAL : zk.CreateMode.PERSISTENT);
    const created = this.createRaw(path, data, mode);
    const results = await Promise.allSettled([...ancestors, created]);
    for (const result of results) {
      if (result.status === "rejected") throw result.reason;
    }
    return (results[results.length - 1] as PromiseFulfilledResult<string>).value;
  }

  /** Creates `path` (relative) with `mode`; resolves to the created relative path. */
  async createRaw(path: string, data: string, mode: number): Promise<string> {
    const abs = this.#conn.abs(path);
    const created = await this.#conn.request<string>(
      "create",
      path,
      (c, done) => c.create(abs, Buffer.from(data, "utf8"), zk.ACL.OPEN_ACL_UNSAFE, mode, done),
    );
    return this.#conn.rel(created);
  }

  /** Creates every missing node of an absolute server path (the chroot), pipelined. */
  async ensureRaw(absolute: string): Promise<void> {
    const client = this.#conn.live("create", absolute);
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
    const abs = this.#conn.abs(path);
    await this.#conn.request<ZkStat>(
      "setData",
      path,
      (c, done) => c.setData(abs, Buffer.from(data, "utf8"), version ?? -1, done),
    );
  }

  /** Deletes a childless node, optionally only at `version`. */
  async delete(path: string, version?: number): Promise<void> {
    validatePath(path);
    if (path === "/") throw new StoreError("INVALID", "cannot delete the root", path);
    const abs = this.#conn.abs(path);
    await this.#conn.request<void>("delete", path, (c, done) => c.remove(abs, version ?? -1, done));
  }

  /** Applies all operations in one ZooKeeper transaction. */
  async multi(ops: readonly StoreOp[]): Promise<void> {
    if (ops.length === 0) return;
    const zkOps: ZkTransactionOp[] = ops.map((op) => {
      validatePath(op.path);
      const path = this.#conn.abs(op.path);
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
    await this.#conn.request<void>("multi", where, (c, done) => {
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
}
