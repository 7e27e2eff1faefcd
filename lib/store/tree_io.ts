/**
 * Tree-level helpers on any {@linkcode Store}, shared by sync, agent and the CLI: read a
 * subtree level by level (one pipelined round trip per depth), apply planned {@linkcode TreeOp}s
 * in as few size-bounded transactions as possible, and read-modify-write node properties.
 *
 * @module
 */
import { decodeProperties, encodeProperties, utf8Length } from "../tree/codec.ts";
import {
  emptyNode,
  joinPath,
  type Properties,
  type TreeNode,
  type TreeOp,
  ZOOKEEPER_NODE,
} from "../tree/model.ts";
import { baseName, parentPath, validatePath } from "./path.ts";
import { type Store, StoreError, type StoreOp } from "./types.ts";

/** Options of {@linkcode readTree}. */
export interface ReadTreeOptions {
  /** Include ephemeral nodes (flagged `ephemeral: true`). Default true. */
  ephemeral?: boolean;
}

/** What {@linkcode applyOps} and {@linkcode writeTree} did. */
export interface ApplyResult {
  /** Store operations written. */
  writes: number;
  /** `multi` calls made. */
  transactions: number;
}

/**
 * Reads the subtree at `path` (the root is named "" for `/`): one `getMany` per depth level.
 * ZooKeeper's own `/zookeeper` node is left out. Throws {@linkcode StoreError} `NO_NODE` when
 * `path` does not exist.
 */
export async function readTree(
  store: Store,
  path = "/",
  options: ReadTreeOptions = {},
): Promise<TreeNode> {
  const [tree] = await readTrees(store, [path], options);
  if (tree === null) throw new StoreError("NO_NODE", "cannot read tree, no node", path);
  return tree;
}

/**
 * Reads the subtrees at `paths` together, level by level: one `getMany` for all of their nodes
 * at each depth, however many subtrees there are. Null for a path that does not exist. The
 * nodes at `paths` are read even when ephemeral; below them, `ephemeral: false` leaves
 * ephemeral nodes out. ZooKeeper's own `/zookeeper` node is left out.
 */
export async function readTrees(
  store: Store,
  paths: readonly string[],
  options: ReadTreeOptions = {},
): Promise<(TreeNode | null)[]> {
  for (const path of paths) validatePath(path);
  const includeEphemeral = options.ephemeral ?? true;
  const tops = await store.getMany(paths);
  let level: { path: string; node: TreeNode; children: string[] }[] = [];
  const roots = tops.map((top, i) => {
    if (top === null) return null;
    const node = makeNode(baseName(paths[i]), top.data, top.ephemeral);
    level.push({ path: paths[i], node, children: top.children });
    return node;
  });
  while (level.length > 0) {
    const wanted: { parent: TreeNode; name: string; path: string }[] = [];
    for (const { path: parentPath, node, children } of level) {
      for (const name of children) {
        if (parentPath === "/" && name === ZOOKEEPER_NODE) continue;
        wanted.push({ parent: node, name, path: joinPath(parentPath, name) });
      }
    }
    if (wanted.length === 0) break;
    const stored = await store.getMany(wanted.map((w) => w.path));
    const next: typeof level = [];
    wanted.forEach((w, i) => {
      const found = stored[i];
      if (found === null || (found.ephemeral && !includeEphemeral)) return; // gone meanwhile
      const node = makeNode(w.name, found.data, found.ephemeral);
      w.parent.children.set(w.name, node);
      next.push({ path: w.path, node, children: found.children });
    });
    level = next;
  }
  return roots;
}

/**
 * The live tree under one root: every top-level subtree but those named in `leaveOut`,
 * ephemeral nodes included, read together level by level ({@linkcode readTrees}); a subtree
 * deleted meanwhile is left out.
 */
export async function readTopLevel(
  store: Store,
  leaveOut: ReadonlySet<string>,
): Promise<TreeNode> {
  const names = ((await store.get("/"))?.children ?? []).filter((n) => !leaveOut.has(n));
  const trees = await readTrees(store, names.map((n) => joinPath("/", n)), { ephemeral: true });
  const root = emptyNode();
  for (const tree of trees) if (tree !== null) root.children.set(tree.name, tree);
  return root;
}

function makeNode(name: string, data: string, ephemeral: boolean): TreeNode {
  const node: TreeNode = { name, properties: decodeProperties(data), children: new Map() };
  if (ephemeral) node.ephemeral = true;
  return node;
}

/** The store operations for tree operations (properties encoded as node data). */
export function toStoreOps(ops: readonly TreeOp[]): StoreOp[] {
  return ops.map((op): StoreOp => {
    switch (op.op) {
      case "create":
        return { op: "create", path: op.path, data: encodeProperties(op.properties) };
      case "set":
        return { op: "set", path: op.path, data: encodeProperties(op.properties) };
      case "delete":
        return { op: "delete", path: op.path };
      default:
        throw new StoreError("INVALID", `unknown tree op ${JSON.stringify(op)}`);
    }
  });
}

/** The UTF-8 length of a string, without encoding it (from the codec, kept here for its users). */
export { utf8Length };

/** Roughly the bytes one op takes in a ZooKeeper multi request (header, path, data, ACL). */
export function opBytes(op: StoreOp): number {
  const data = op.op === "create" || op.op === "set" ? utf8Length(op.data) : 0;
  return 48 + utf8Length(op.path) + data;
}

/**
 * Splits ops, in order, into batches of at most `maxBytes` each (an op larger than that is a
 * batch of its own).
 */
export function batchOps(ops: readonly StoreOp[], maxBytes: number): StoreOp[][] {
  const batches: StoreOp[][] = [];
  let current: StoreOp[] = [];
  let size = 0;
  for (const op of ops) {
    const bytes = opBytes(op);
    if (current.length > 0 && size + bytes > maxBytes) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(op);
    size += bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Called after each transaction with the number of ops applied so far and in all. */
export type ApplyProgress = (applied: number, total: number) => void;

/**
 * Applies store ops in order, in as few `multi` calls under `store.maxMultiBytes` as possible,
 * reporting progress after each.
 */
export async function applyStoreOps(
  store: Store,
  ops: readonly StoreOp[],
  onProgress?: ApplyProgress,
): Promise<ApplyResult> {
  const batches = batchOps(ops, store.maxMultiBytes);
  let applied = 0;
  for (const batch of batches) {
    await store.multi(batch);
    applied += batch.length;
    onProgress?.(applied, ops.length);
  }
  return { writes: ops.length, transactions: batches.length };
}

/**
 * Applies tree ops in order, in as few `multi` transactions as the size limit allows. Each
 * transaction is atomic; when one fails, the earlier ones stay applied and the error is thrown.
 */
export function applyOps(
  store: Store,
  ops: readonly TreeOp[],
  onProgress?: ApplyProgress,
): Promise<ApplyResult> {
  return applyStoreOps(store, toStoreOps(ops), onProgress);
}

/** The properties of the node at `path`, or null when it does not exist. */
export async function getProperties(store: Store, path: string): Promise<Properties | null> {
  const node = await store.get(path);
  return node === null ? null : decodeProperties(node.data);
}

/**
 * Read-modify-write of a node's properties: `change` gets a copy of the current ones and
 * returns the new ones; written with a version check and retried when another writer got in
 * between. Nothing is written when the result encodes the same. Returns the new properties.
 * Throws {@linkcode StoreError} `NO_NODE` when the node does not exist.
 */
export async function updateProperties(
  store: Store,
  path: string,
  change: (current: Properties) => Properties,
): Promise<Properties> {
  for (let attempt = 1;; attempt++) {
    const node = await store.get(path, { dataOnly: true });
    if (node === null) throw new StoreError("NO_NODE", "cannot update properties, no node", path);
    const next = change(decodeProperties(node.data));
    const data = encodeProperties(next);
    if (data === node.data) return next;
    try {
      await store.set(path, data, node.version);
      return next;
    } catch (error) {
      if (!(error instanceof StoreError) || error.code !== "BAD_VERSION" || attempt >= 1_000) {
        throw error;
      }
    }
    // Another writer got in between: back off a little (randomly) under heavy contention.
    if (attempt >= 3) {
      const ms = Math.random() * Math.min(200, attempt * 5);
      await new Promise((resolve) => setTimeout(resolve, ms));
    }
  }
}

/**
 * Sets the given properties on the node at `path`, keeping its others (read-modify-write, see
 * {@linkcode updateProperties}). Returns all its properties.
 */
export function setProperties(
  store: Store,
  path: string,
  properties: Properties,
): Promise<Properties> {
  return updateProperties(store, path, (current) => ({ ...current, ...properties }));
}

/**
 * Deletes the node at `path` and everything below it (deepest first, in size-bounded
 * transactions); retried when nodes appear or vanish meanwhile. Returns how many nodes were
 * deleted (0 when it did not exist).
 */
export async function deleteRecursive(store: Store, path: string): Promise<number> {
  validatePath(path);
  if (path === "/") throw new StoreError("INVALID", "refusing to delete the root", path);
  for (let attempt = 1;; attempt++) {
    const top = await store.get(path);
    if (top === null) return 0;
    const levels: string[][] = [[path]];
    let frontier = [{ path, names: top.children }];
    while (frontier.length > 0) {
      const paths = frontier.flatMap((f) => f.names.map((name) => joinPath(f.path, name)));
      const stored = await store.getMany(paths);
      const present: string[] = [];
      const next: typeof frontier = [];
      paths.forEach((p, i) => {
        const found = stored[i];
        if (found === null) return;
        present.push(p);
        next.push({ path: p, names: found.children });
      });
      levels.push(present);
      frontier = next;
    }
    const ops: StoreOp[] = levels.reverse().flat().map((p) => ({ op: "delete", path: p }));
    try {
      await applyStoreOps(store, ops);
      return ops.length;
    } catch (error) {
      const retry = error instanceof StoreError &&
        (error.code === "NOT_EMPTY" || error.code === "NO_NODE");
      if (!retry || attempt >= 10) throw error;
    }
  }
}

/**
 * Writes a tree at `path` (default `/`): creates missing nodes and sets the data of nodes
 * whose properties differ; deletes nothing (no trim). Missing ancestors of `path` are created
 * empty. Nodes flagged `ephemeral` are created ephemeral (owned by this store).
 */
export async function writeTree(store: Store, tree: TreeNode, path = "/"): Promise<ApplyResult> {
  validatePath(path);
  const parent = parentPath(path);
  if (parent !== undefined && parent !== "/" && (await store.get(parent)) === null) {
    await store.create(parent, "", { parents: true }).catch((error) => {
      if (!(error instanceof StoreError) || error.code !== "NODE_EXISTS") throw error;
    });
  }
  const all: { path: string; node: TreeNode }[] = [];
  let level = [{ path, node: tree }];
  while (level.length > 0) {
    all.push(...level);
    level = level.flatMap(({ path: p, node }) =>
      [...node.children.values()].map((child) => ({ path: joinPath(p, child.name), node: child }))
    );
  }
  const existing = await store.getMany(all.map((n) => n.path));
  const ops: StoreOp[] = [];
  all.forEach(({ path: p, node }, i) => {
    const data = encodeProperties(node.properties);
    const found = existing[i];
    if (found === null) {
      ops.push({ op: "create", path: p, data, ephemeral: node.ephemeral === true });
    } else if (found.data !== data) {
      ops.push({ op: "set", path: p, data });
    }
  });
  return await applyStoreOps(store, ops);
}
