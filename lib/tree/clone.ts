/**
 * Copying trees.
 *
 * @module
 */
import type { TreeNode } from "./model.ts";

/** A deep copy of a node and its subtree (properties, children, flags and sources). */
export function cloneTree(node: TreeNode): TreeNode {
  return structuredClone(node);
}
