/**
 * `tree import`'s plan, a few top-level subtrees at a time: a file is read once to validate it
 * (each top-level subtree checked and dropped, keeping where it starts), then group by group its
 * subtrees are read again from there, the live ones under PATH read together level by level,
 * and compared. What is kept is the changes' store operations, so a file of a million nodes
 * needs memory for a group, not for the tree. Standard input, which cannot be read twice, is
 * held whole. The printed plan and the operations are those of one diff of the whole trees.
 *
 * @module
 */
import { readTrees, toStoreOps } from "../store/tree_io.ts";
import type { Store, StoreOp } from "../store/types.ts";
import { diffTrees, formatDiff } from "../tree/diff.ts";
import { compareNames } from "../tree/format.ts";
import { readTopLevelAt, type TopLevelAt } from "../tree/load.ts";
import { emptyNode, joinPath, type TreeNode, type TreeOp } from "../tree/model.ts";

/** About how many desired nodes one group holds (a larger top-level subtree is a group alone). */
export const IMPORT_GROUP_NODES = 10_000;

/** The validated text to import: where each top-level subtree starts, or the tree itself. */
export type ImportSource =
  | { kind: "file"; path: string; tops: Map<string, { at: TopLevelAt; nodes: number }> }
  | { kind: "tree"; tree: TreeNode };

/** Options of {@linkcode planTreeImport}. */
export interface TreeImportOptions {
  /** The node to import under (normalised). */
  at: string;
  /** Delete live nodes the text does not have, below the top-level nodes it names. */
  trim: boolean;
  /** The node data limit the file was validated with. */
  maxNodeBytes: number;
  /** Receives the plan, one line at a time, in the order one whole diff prints it. */
  out: (line: string) => void;
  /** Desired nodes per group (default {@linkcode IMPORT_GROUP_NODES}). */
  groupNodes?: number;
  /** Keep the changes' store operations (default true; a dry run only prints them). */
  keep?: boolean;
}

/** Counts a subtree's nodes (for grouping). */
export function countNodes(node: TreeNode): number {
  let count = 1;
  for (const child of node.children.values()) count += countNodes(child);
  return count;
}

/**
 * Plans the import of `source` under `options.at` against `store` (null, or `at` missing: an
 * empty live tree), printing the plan; returns the store operations of the changes (none kept
 * with `keep: false`).
 */
export async function planTreeImport(
  store: Store | null,
  source: ImportSource,
  options: TreeImportOptions,
): Promise<StoreOp[]> {
  const { at } = options;
  const names = source.kind === "tree" ? [...source.tree.children.keys()] : [...source.tops.keys()];
  names.sort(compareNames);
  const weight = (name: string) => source.kind === "tree" ? 1 : source.tops.get(name)!.nodes;
  const changes: StoreOp[] = [];
  const extra: string[] = [];
  const budget = source.kind === "tree" ? Infinity : options.groupNodes ?? IMPORT_GROUP_NODES;
  let group: string[] = [];
  let nodes = 0;
  const flush = async () => {
    if (group.length === 0) return;
    const desired = emptyNode();
    for (const name of group) {
      desired.children.set(
        name,
        source.kind === "tree" ? source.tree.children.get(name)! : await readTopLevelAt(
          source.path,
          source.tops.get(name)!.at,
          { maxNodeBytes: options.maxNodeBytes, keepSources: false },
        ),
      );
    }
    const live = emptyNode();
    if (store !== null) {
      const trees = await readTrees(store, group.map((name) => joinPath(at, name)), {
        ephemeral: true,
      });
      for (const tree of trees) if (tree !== null) live.children.set(tree.name, tree);
    }
    const diff = diffTrees(desired, live, { trim: options.trim });
    const ops = rebaseOps(diff.ops, at);
    for (const line of formatDiff({ ops, extra: [] })) options.out(line);
    for (const path of diff.extra) extra.push(at === "/" ? path : at + path);
    if (options.keep ?? true) { for (const op of toStoreOps(ops)) changes.push(op); }
    group = [];
    nodes = 0;
  };
  for (const name of names) {
    if (group.length > 0 && nodes + weight(name) > budget) await flush();
    group.push(name);
    nodes += weight(name);
  }
  await flush();
  for (const line of formatDiff({ ops: [], extra })) options.out(line);
  return changes;
}

/** Puts ops planned relative to `base` at their absolute paths. */
export function rebaseOps(ops: readonly TreeOp[], base: string): TreeOp[] {
  if (base === "/") return [...ops];
  return ops.map((op) => ({ ...op, path: base + op.path }));
}
