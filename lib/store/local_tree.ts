/**
 * The in-memory tree behind the embedded local store, with ZooKeeper's rules: parents must
 * exist, ephemeral nodes cannot have children, deletes need no children, versions count sets,
 * sequential names come from a per-parent counter. It serializes to the store file's JSON.
 *
 * @module
 */
import { baseName, parentPath, validatePath } from "./path.ts";
import { type StoredNode, StoreError, type StoreOp } from "./types.ts";

/** One node as kept on disk. */
export interface LocalNode {
  /** Data text. */
  data: string;
  /** Data version. */
  version: number;
  /** Id of the owning store instance for an ephemeral node. */
  owner?: string;
  /** The tree's change counter when the node was created (tells a re-created node apart). */
  created: number;
  /** Next sequence number for sequential children. */
  seq?: number;
}

/** The file's JSON shape. */
interface LocalTreeFile {
  format: string;
  counter: number;
  nodes: Record<string, LocalNode>;
}

/** The format tag written in every store file. */
export const LOCAL_FORMAT = "clusterdeploy-local-store 1";

/** A whole tree: nodes by path, a child index, and a change counter. */
export class LocalTree {
  /** Bumped by every write. */
  counter: number;
  readonly #nodes: Map<string, LocalNode>;
  readonly #children: Map<string, Set<string>>;

  private constructor(counter: number, nodes: Map<string, LocalNode>) {
    this.counter = counter;
    this.#nodes = nodes;
    this.#children = new Map();
    for (const path of nodes.keys()) {
      this.#children.set(path, new Set());
    }
    for (const path of nodes.keys()) {
      const parent = parentPath(path);
      if (parent !== undefined) this.#children.get(parent)?.add(baseName(path));
    }
  }

  /** A tree with only the root. */
  static empty(): LocalTree {
    return new LocalTree(0, new Map([["/", { data: "", version: 0, created: 0 }]]));
  }

  /** Parses store file text; throws {@linkcode StoreError} `INVALID` naming `file`. */
  static parse(text: string, file: string): LocalTree {
    let parsed: LocalTreeFile;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new StoreError("INVALID", `store file is not JSON (${(error as Error).message})`, file);
    }
    if (
      parsed === null || typeof parsed !== "object" || parsed.format !== LOCAL_FORMAT ||
      typeof parsed.nodes !== "object" || parsed.nodes === null || !parsed.nodes["/"]
    ) {
      throw new StoreError("INVALID", `not a ${LOCAL_FORMAT} file`, file);
    }
    const nodes = new Map<string, LocalNode>();
    for (const [path, node] of Object.entries(parsed.nodes)) {
      validatePath(path);
      const parent = parentPath(path);
      if (parent !== undefined && !(parent in parsed.nodes)) {
        throw new StoreError("INVALID", `node ${path} has no parent in store file`, file);
      }
      nodes.set(path, node);
    }
    return new LocalTree(Number(parsed.counter) || 0, nodes);
  }

  /** The file text. */
  serialize(): string {
    const nodes: Record<string, LocalNode> = {};
    for (const path of [...this.#nodes.keys()].sort()) nodes[path] = this.#nodes.get(path)!;
    return JSON.stringify({ format: LOCAL_FORMAT, counter: this.counter, nodes }, null, 1) + "\n";
  }

  /** An independent copy (for all-or-nothing changes). */
  clone(): LocalTree {
    return new LocalTree(this.counter, new Map(this.#nodes));
  }

  /** The raw node at `path`. */
  node(path: string): LocalNode | undefined {
    return this.#nodes.get(path);
  }

  /** Owners of all ephemeral nodes. */
  owners(): Set<string> {
    const owners = new Set<string>();
    for (const node of this.#nodes.values()) if (node.owner !== undefined) owners.add(node.owner);
    return owners;
  }

  /** Paths of the ephemeral nodes of these owners. */
  ephemeralsOf(owners: ReadonlySet<string>): string[] {
    const paths: string[] = [];
    for (const [path, node] of this.#nodes) {
      if (node.owner !== undefined && owners.has(node.owner)) paths.push(path);
    }
    return paths;
  }

  /** The node as a {@linkcode StoredNode}, hiding ephemerals of `dead` owners. */
  stored(path: string, dead: ReadonlySet<string> = new Set()): StoredNode | null {
    const node = this.#nodes.get(path);
    if (node === undefined || (node.owner !== undefined && dead.has(node.owner))) return null;
    const children = [...this.#children.get(path) ?? []].filter((name) => {
      const child = this.#nodes.get(path === "/" ? `/${name}` : `${path}/${name}`);
      return child?.owner === undefined || !dead.has(child.owner);
    }).sort();
    return {
      data: node.data,
      version: node.version,
      ephemeral: node.owner !== undefined,
      children,
    };
  }

  /** Child names of a node. */
  children(path: string): string[] {
    return [...this.#children.get(path) ?? []].sort();
  }

  /**
   * Creates a node; `sequential` appends the parent's 10-digit counter to the name. Returns the
   * created path.
   */
  create(path: string, data: string, owner?: string, sequential = false): string {
    validatePath(path);
    if (path === "/") throw new StoreError("NODE_EXISTS", "node exists", path);
    const parent = parentPath(path)!;
    const parentNode = this.#nodes.get(parent);
    if (parentNode === undefined) throw new StoreError("NO_NODE", "parent does not exist", path);
    if (parentNode.owner !== undefined) {
      throw new StoreError("INVALID", "ephemeral nodes cannot have children", path);
    }
    if (sequential) {
      const seq = parentNode.seq ?? 0;
      this.#nodes.set(parent, { ...parentNode, seq: seq + 1 });
      path = `${path}${String(seq).padStart(10, "0")}`;
    }
    if (this.#nodes.has(path)) throw new StoreError("NODE_EXISTS", "node exists", path);
    this.counter++;
    const node: LocalNode = { data, version: 0, created: this.counter };
    if (owner !== undefined) node.owner = owner;
    this.#nodes.set(path, node);
    this.#children.set(path, new Set());
    this.#childSet(parent).add(baseName(path));
    return path;
  }

  /** Sets data, checking `version` when given (-1 or undefined: any). */
  set(path: string, data: string, version?: number): void {
    const node = this.#existing(path, version);
    this.counter++;
    this.#nodes.set(path, { ...node, data, version: node.version + 1 });
  }

  /** Deletes a childless node, checking `version` when given. */
  delete(path: string, version?: number): void {
    if (path === "/") throw new StoreError("INVALID", "cannot delete the root", path);
    this.#existing(path, version);
    if ((this.#children.get(path)?.size ?? 0) > 0) {
      throw new StoreError("NOT_EMPTY", "node has children", path);
    }
    this.counter++;
    this.#nodes.delete(path);
    this.#children.delete(path);
    this.#childSet(parentPath(path)!).delete(baseName(path));
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

  /** Drops nodes regardless of rules (dead ephemerals, which have no children). */
  drop(paths: readonly string[]): void {
    for (const path of paths) {
      if (!this.#nodes.delete(path)) continue;
      this.counter++;
      this.#children.delete(path);
      this.#childSet(parentPath(path)!).delete(baseName(path));
    }
  }

  #existing(path: string, version?: number): LocalNode {
    validatePath(path);
    const node = this.#nodes.get(path);
    if (node === undefined) throw new StoreError("NO_NODE", "node does not exist", path);
    if (version !== undefined && version !== -1 && version !== node.version) {
      throw new StoreError("BAD_VERSION", `version is ${node.version}, not ${version}`, path);
    }
    return node;
  }

  #childSet(path: string): Set<string> {
    let set = this.#children.get(path);
    if (set === undefined) {
      set = new Set();
      this.#children.set(path, set);
    }
    return set;
  }
}
