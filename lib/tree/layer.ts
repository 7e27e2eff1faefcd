/**
 * Layering one tree over another, as `.zkx` files layer over the `.zk` trees.
 *
 * @module
 */
import { cloneProperties, cloneTree } from "./clone.ts";
import type { TreeNode } from "./model.ts";

/**
 * Returns `base` with `layer` laid over it: nodes only in `layer` are added, properties in
 * `layer` override (or add to) the same node's properties in `base`, recursively; everything
 * else in `base` is kept. Neither input is changed; the result shares no objects with them.
 */
export function layerTree(base: TreeNode, layer: TreeNode): TreeNode {
  const result = cloneTree(base);
  mergeInto(result, layer);
  return result;
}

function mergeInto(target: TreeNode, layer: TreeNode): void {
  Object.assign(target.properties, cloneProperties(layer.properties));
  if (layer.propertySources !== undefined) {
    target.propertySources = { ...target.propertySources, ...layer.propertySources };
  }
  for (const [name, child] of layer.children) {
    const existing = target.children.get(name);
    if (existing) mergeInto(existing, child);
    else target.children.set(name, cloneTree(child));
  }
}
