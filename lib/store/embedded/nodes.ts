/**
 * The embedded store's nodes in SQLite, with ZooKeeper's rules: parents must exist, ephemeral
 * nodes cannot have children, deletes need no children, versions count sets, sequential names
 * come from a per-parent counter that never goes back. Every method runs inside the caller's
 * transaction (see `local.ts`); nothing here begins or commits one.
 *
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { baseName, parentPath, validatePath } from "../path.ts";
import { type StoredNode, StoreError, StoreFileError, type StoreOp } from "../types.ts";
import { NodeTimes } from "./times.ts";

/** One node row. */
export interface NodeRow {
  /** Data text. */
  data: string;
  /** Data version. */
  version: number;
  /** Owner id of an ephemeral node. */
  owner: string | null;
  /** The change counter of the write that created it. */
  created: number;
  /** Next sequence number for sequential children. */
  seq: number;
}

/** Whether the owner with this id is dead (its ephemerals are hidden). */
export type DeadCheck = (owner: string) => boolean;

/** The node table of one database connection. */
export class NodeTable {
  readonly #file: string;
  readonly #get: StatementSync;
  readonly #children: StatementSync;
  readonly #hasChildren: StatementSync;
  readonly #insert: StatementSync;
  readonly #setData: StatementSync;
  readonly #setSeq: StatementSync;
  readonly #remove: StatementSync;
  readonly #times: NodeTimes;
  readonly #counter: StatementSync;
  readonly #setCounter: StatementSync;
  /** The counter a write of the current transaction stamps (read at its start + 1). */
  #stamp = 0;
  /** Whether the current transaction changed anything. */
  changed = false;

  /** Prepares the statements on `db` (the store file `file`, for error messages). */
  constructor(db: DatabaseSync, file: string) {
    this.#file = file;
    this.#get = db.prepare("SELECT data, version, owner, created, seq FROM nodes WHERE path = ?");
    this.#children = db.prepare("SELECT path, owner FROM nodes WHERE parent = ?");
    this.#hasChildren = db.prepare("SELECT 1 AS x FROM nodes WHERE parent = ? LIMIT 1");
    this.#insert = db.prepare("INSERT INTO nodes VALUES (?, ?, ?, 0, ?, ?, 0)");
    this.#setData = db.prepare("UPDATE nodes SET data = ?, version = ? WHERE path = ?");
    this.#setSeq = db.prepare("UPDATE nodes SET seq = ? WHERE path = ?");
    this.#remove = db.prepare("DELETE FROM nodes WHERE path = ?");
    this.#counter = db.prepare("SELECT value FROM meta WHERE key = 'counter'");
    this.#setCounter = db.prepare("UPDATE meta SET value = ? WHERE key = 'counter'");
    this.#times = new NodeTimes(db);
  }

  /** The change counter (bumped by every write transaction). */
  counter(): number {
    const value = this.#counter.get()?.value;
    if (typeof value !== "number") {
      throw new StoreFileError(this.#file, undefined, "the change counter is missing");
    }
    return value;
  }

  /** Starts a write: the counter this transaction's writes stamp. */
  beginWrite(): void {
    this.#stamp = this.counter() + 1;
    this.changed = false;
  }

  /** Ends a write: stores the new counter when something changed. */
  endWrite(): void {
    if (this.changed) this.#setCounter.run(this.#stamp);
  }

  /** The raw row at `path`. */
  row(path: string): NodeRow | undefined {
    const row = this.#get.get(path);
    if (row === undefined) return undefined;
    if (typeof row.data !== "string" || typeof row.version !== "number") {
      throw new StoreFileError(this.#file, path, "data or version of the wrong type");
    }
    return row as unknown as NodeRow;
  }

  /**
   * The node as a {@linkcode StoredNode}, hiding ephemerals of dead owners; without
   * `withChildren`, its `children` are not looked up (left empty).
   */
  stored(path: string, dead: DeadCheck, withChildren = true): StoredNode | null {
    const node = this.row(path);
    if (node === undefined || (node.owner !== null && dead(node.owner))) return null;
    const children = !withChildren ? [] : this.#children.all(path)
      .filter((child) => child.owner === null || !dead(String(child.owner)))
      .map((child) => baseName(String(child.path)))
      .sort();
    return {
      data: node.data,
      version: node.version,
      ephemeral: node.owner !== null,
      children,
      ...this.#times.get(path),
    };
  }

  /**
   * Creates a node; `sequential` appends the parent's 10-digit counter to the name. Returns the
   * created path.
   */
  create(path: string, data: string, owner?: string, sequential = false): string {
    validatePath(path);
    if (path === "/") throw new StoreError("NODE_EXISTS", "node exists", path);
    const parent = parentPath(path)!;
    const parentNode = this.row(parent);
    if (parentNode === undefined) throw new StoreError("NO_NODE", "parent does not exist", path);
    if (parentNode.owner !== null) {
      throw new StoreError("INVALID", "ephemeral nodes cannot have children", path);
    }
    if (sequential) {
      this.#setSeq.run(parentNode.seq + 1, parent);
      path = `${path}${String(parentNode.seq).padStart(10, "0")}`;
    }
    if (this.#get.get(path) !== undefined) throw new StoreError("NODE_EXISTS", "node exists", path);
    this.#insert.run(path, parent, data, owner ?? null, this.#stamp);
    this.#times.created(path);
    this.changed = true;
    return path;
  }

  /** Sets data, checking `version` when given (-1 or undefined: any). */
  set(path: string, data: string, version?: number): void {
    const node = this.#existing(path, version);
    this.#setData.run(data, node.version + 1, path);
    this.#times.modified(path);
    this.changed = true;
  }

  /** Deletes a childless node, checking `version` when given. */
  delete(path: string, version?: number): void {
    if (path === "/") throw new StoreError("INVALID", "cannot delete the root", path);
    this.#existing(path, version);
    if (this.#hasChildren.get(path) !== undefined) {
      throw new StoreError("NOT_EMPTY", "node has children", path);
    }
    this.#remove.run(path);
    this.#times.removed(path);
    this.changed = true;
  }

  /** Checks that a node exists at `version`. */
  check(path: string, version: number): void {
    this.#existing(path, version);
  }

  /** Applies one store op (ephemeral creates owned by `owner`). */
  apply(op: StoreOp, owner: string): void {
    validatePath(op.path);
    switch (op.op) {
      case "create":
        this.create(op.path, op.data, op.ephemeral ? owner : undefined);
        return;
      case "set":
        this.set(op.path, op.data, op.version);
        return;
      case "delete":
        this.delete(op.path, op.version);
        return;
      case "check":
        this.check(op.path, op.version);
        return;
      default:
        throw new StoreError("INVALID", `unknown store op ${JSON.stringify(op)}`);
    }
  }

  /** Drops the node at `path` regardless of rules (a dead owner's ephemeral: no children). */
  drop(path: string): void {
    if (this.#remove.run(path).changes > 0) this.changed = true;
    this.#times.removed(path);
  }

  #existing(path: string, version?: number): NodeRow {
    validatePath(path);
    const node = this.row(path);
    if (node === undefined) throw new StoreError("NO_NODE", "node does not exist", path);
    if (version !== undefined && version !== -1 && version !== node.version) {
      throw new StoreError("BAD_VERSION", `version is ${node.version}, not ${version}`, path);
    }
    return node;
  }
}
