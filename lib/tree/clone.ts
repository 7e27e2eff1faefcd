/**
 * Copying trees and values: plain recursive copies (properties are JSON-like values), much
 * cheaper than `structuredClone` for the many small objects a tree is made of.
 *
 * @module
 */
import type { Properties, TreeNode, Value } from "./model.ts";

/** A deep copy of a value. */
export function cloneValue<T extends Value>(value: T): T {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(cloneValue) as T;
  const copy: { [key: string]: Value } = {};
  for (const key of Object.keys(value)) copy[key] = cloneValue(value[key]);
  return copy as T;
}

/** A deep copy of a node's properties. */
export function cloneProperties(properties: Properties): Properties {
  const copy: Properties = {};
  for (const key of Object.keys(properties)) copy[key] = cloneValue(properties[key]);
  return copy;
}

/** A deep copy of a node and its subtree (properties, children, flags and sources). */
export function cloneTree(node: TreeNode): TreeNode {
  const copy: TreeNode = {
    name: node.name,
    properties: cloneProperties(node.properties),
    children: new Map(),
  };
  for (const [name, child] of node.children) copy.children.set(name, cloneTree(child));
  if (node.ephemeral !== undefined) copy.ephemeral = node.ephemeral;
  if (node.source !== undefined) copy.source = { ...node.source };
  if (node.propertySources !== undefined) {
    copy.propertySources = {};
    for (const [key, at] of Object.entries(node.propertySources)) {
      copy.propertySources[key] = { ...at };
    }
  }
  return copy;
}
