/**
 * Pure planning for sync: what must change in the live tree for it to match the desired tree.
 *
 * @module
 */
import { diffTrees, type TreeDiff } from "../tree/diff.ts";
import type { TreeNode } from "../tree/model.ts";

/**
 * The changes that bring `live` to `desired`: nodes created, properties set, and nodes the
 * files no longer have deleted (trim) below the top-level nodes the files name. Top-level nodes
 * no file names, and nodes holding an ephemeral node, are never touched.
 */
export function planImport(desired: TreeNode, live: TreeNode): TreeDiff {
  return diffTrees(desired, live, { trim: true });
}
