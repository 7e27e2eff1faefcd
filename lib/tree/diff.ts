/**
 * Planning an import: the operations that make a live tree match a desired one.
 *
 * @module
 */
import { cloneProperties } from "./clone.ts";
import { joinPath, type Properties, type TreeNode, type TreeOp, type Value } from "./model.ts";
import { compareNames, formatProperty, isLinkKey } from "./format.ts";
import { formatValue } from "./value.ts";

/** The plan produced by {@linkcode diffTrees}. */
export interface TreeDiff {
  /** Operations in the order to apply them. */
  ops: TreeOp[];
  /** Top-most paths of live-only subtrees left in place because trim was off. */
  extra: string[];
}

/** Options for {@linkcode diffTrees}. */
export interface DiffOptions {
  /** Delete live nodes that the desired tree does not have (below its top-level nodes). */
  trim: boolean;
  /** Paths to leave alone: such live-only nodes and their subtrees are neither deleted nor reported. */
  keep?: (path: string) => boolean;
}

/**
 * Compares two roots and plans the operations that make `live` match `desired`.
 *
 * Only the desired tree's top-level nodes are compared; other live top-level nodes are never
 * touched. Within them:
 * - a missing node gets a `create` with its full properties (parents before children);
 * - a node whose properties differ (deep equality; key order does not matter) gets a `set` with
 *   the desired properties and the live ones as `before`;
 * - a live-only node, with `trim`, gets a `delete`, its subtree listed bottom-up (children
 *   before parents). Nodes that are ephemeral, hold an ephemeral node anywhere below, or for
 *   which `keep(path)` is true (or which hold such a node) are not deleted.
 * - without `trim`, the top-most path of each subtree that trim would delete is put in `extra`.
 *
 * Siblings are visited in name order, so the plan is deterministic. Inputs are not changed.
 */
export function diffTrees(desired: TreeNode, live: TreeNode, options: DiffOptions): TreeDiff {
  const diff: TreeDiff = { ops: [], extra: [] };
  for (const child of sorted(desired.children)) {
    compareNode(child, live.children.get(child.name), joinPath("/", child.name), options, diff);
  }
  return diff;
}

function compareNode(
  desired: TreeNode,
  live: TreeNode | undefined,
  path: string,
  options: DiffOptions,
  diff: TreeDiff,
): void {
  if (live === undefined) {
    diff.ops.push({ op: "create", path, properties: cloneProperties(desired.properties) });
  } else if (!valuesEqual(desired.properties, live.properties)) {
    diff.ops.push({
      op: "set",
      path,
      properties: cloneProperties(desired.properties),
      before: cloneProperties(live.properties),
    });
  }
  for (const child of sorted(desired.children)) {
    compareNode(child, live?.children.get(child.name), joinPath(path, child.name), options, diff);
  }
  if (live === undefined) return;
  for (const child of sorted(live.children)) {
    if (desired.children.has(child.name)) continue;
    const removal = planRemoval(child, joinPath(path, child.name), options);
    if (options.trim) diff.ops.push(...removal.ops);
    else diff.extra.push(...removal.tops);
  }
}

/** What trimming a live-only subtree would do. */
interface Removal {
  /** Whether the whole subtree can go. */
  removable: boolean;
  /** Deletes, bottom-up. */
  ops: TreeOp[];
  /** Top-most deleted paths. */
  tops: string[];
}

function planRemoval(node: TreeNode, path: string, options: DiffOptions): Removal {
  if (node.ephemeral || options.keep?.(path)) return { removable: false, ops: [], tops: [] };
  const ops: TreeOp[] = [];
  const tops: string[] = [];
  let removable = true;
  for (const child of sorted(node.children)) {
    const removal = planRemoval(child, joinPath(path, child.name), options);
    ops.push(...removal.ops);
    tops.push(...removal.tops);
    removable &&= removal.removable;
  }
  if (!removable) return { removable, ops, tops };
  ops.push({ op: "delete", path });
  return { removable, ops, tops: [path] };
}

function sorted(children: Map<string, TreeNode>): TreeNode[] {
  return [...children.values()].sort((a, b) => compareNames(a.name, b.name));
}

/** Deep equality of values; object key order does not matter, array order does. */
export function valuesEqual(a: Value | Properties, b: Value | Properties): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => valuesEqual(item, b[i]));
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && valuesEqual(a[key], b[key]));
}

/**
 * Describes a plan for a dry run, one line per change, in plan order, then the extras:
 *
 * ```text
 * + /a/b                          created node
 * + /a/b type = 'z4m'             ...and each of its properties (links as `x -> /t`)
 * ~ /a version: '1.0' -> '2.0'    changed property
 * ~ /a +n = 3                     added property
 * ~ /a -old = 1                   removed property (a changed link shows as - then +)
 * - /a/c                          deleted node
 * extra path not trimmed: /x      live-only subtree kept because trim was off
 * ```
 */
export function formatDiff(diff: TreeDiff): string[] {
  const lines: string[] = [];
  for (const op of diff.ops) {
    if (op.op === "create") {
      lines.push(`+ ${op.path}`);
      for (const key of Object.keys(op.properties).sort(compareNames)) {
        lines.push(`+ ${op.path} ${formatProperty(key, op.properties[key])}`);
      }
    } else if (op.op === "delete") {
      lines.push(`- ${op.path}`);
    } else {
      const keys = new Set([...Object.keys(op.before), ...Object.keys(op.properties)]);
      for (const key of [...keys].sort(compareNames)) {
        const had = Object.hasOwn(op.before, key);
        const has = Object.hasOwn(op.properties, key);
        const before = op.before[key];
        const after = op.properties[key];
        if (had && has && valuesEqual(before, after)) continue;
        if (had && has && !isLinkKey(key)) {
          lines.push(`~ ${op.path} ${key}: ${formatValue(before)} -> ${formatValue(after)}`);
          continue;
        }
        if (had) lines.push(`~ ${op.path} -${formatProperty(key, before)}`);
        if (has) lines.push(`~ ${op.path} +${formatProperty(key, after)}`);
      }
    }
  }
  for (const path of diff.extra) lines.push(`extra path not trimmed: ${path}`);
  return lines;
}
