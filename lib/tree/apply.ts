/**
 * Applying planned operations to an in-memory tree (what a store does to a live tree).
 *
 * @module
 */
import { cloneProperties, cloneTree } from "./clone.ts";
import { emptyNode, nodeAt, type Properties, type TreeNode, type TreeOp } from "./model.ts";

/**
 * Returns a copy of `root` with `ops` applied in order; `root` is not changed.
 *
 * Throws an Error naming the operation when it cannot apply: creating a node that exists or
 * whose parent is missing, setting or deleting a missing node, or deleting a node that still
 * has children.
 */
export function applyOps(root: TreeNode, ops: readonly TreeOp[]): TreeNode {
  const result = cloneTree(root);
  applyOpsInPlace(result, ops, cloneProperties);
  return result;
}

/**
 * Applies `ops` to `root` itself, in order (no copy: for a tree the caller owns and will not
 * use as it was); the new nodes and properties share the ops' property objects unless `copy`
 * is given. Throws as {@linkcode applyOps} does (ops before the failing one stay applied).
 */
export function applyOpsInPlace(
  root: TreeNode,
  ops: readonly TreeOp[],
  copy: (properties: Properties) => Properties = (properties) => properties,
): void {
  // Parents by path, as ops come parents first: no walk from the root for each op.
  const parents = new Map<string, TreeNode | undefined>();
  for (const op of ops) {
    const slash = op.path.lastIndexOf("/");
    const name = op.path.slice(slash + 1) || undefined;
    const parentPath = op.path.slice(0, slash);
    let parent = parents.get(parentPath);
    if (parent === undefined) parents.set(parentPath, parent = nodeAt(root, parentPath));
    const node = name === undefined ? undefined : parent?.children.get(name);
    const fail: (why: string) => never = (why) => {
      throw new Error(`cannot ${op.op} ${op.path}: ${why}`);
    };
    if (name === undefined || parent === undefined) fail("no parent node");
    if (op.op === "create") {
      if (node) fail("node exists");
      parent.children.set(name, emptyNode(name, copy(op.properties)));
    } else if (node === undefined) {
      fail("no such node");
    } else if (op.op === "set") {
      node.properties = copy(op.properties);
    } else {
      if (node.children.size > 0) fail("node has children");
      parent.children.delete(name);
      parents.delete(op.path);
    }
  }
}
