/**
 * Planning a sync's import a few top-level subtrees at a time: the live tree and the desired
 * tree are never held whole. Every top-level name (the files' and the live tree's, the reserved
 * ones left out) is taken in name order, in groups of about {@linkcode GROUP_NODES} desired
 * nodes; for each group the live subtrees are read together level by level (as the whole tree
 * was: a tree that fits in one group costs the same requests), the desired ones are read from
 * the files ({@linkcode readDesiredTopLevel}), they are compared, and what is kept is only the
 * store operations of the changes and the deployments the deployment index needs. The
 * operations come out in the order one diff of the whole trees gives them.
 *
 * @module
 */
import { addDeployments, type DeploymentsSoFar, RESERVED_TOP_LEVEL } from "../cluster/mod.ts";
import { readTrees, toStoreOps } from "../store/tree_io.ts";
import type { Store, StoreOp } from "../store/types.ts";
import { applyOpsInPlace } from "../tree/apply.ts";
import { diffTrees, type TreeDiff } from "../tree/diff.ts";
import { compareNames } from "../tree/format.ts";
import type { LoadOptions } from "../tree/load.ts";
import { emptyNode, joinPath } from "../tree/model.ts";
import { readDesiredTopLevel, type TreeScan } from "./tree_scan.ts";

/** About how many desired nodes one group holds (a larger top-level subtree is a group alone). */
export const GROUP_NODES = 10_000;

/** What {@linkcode planByGroups} found. */
export interface GroupedPlan {
  /** The store operations of the changes, in order (empty when not kept). */
  changes: StoreOp[];
  /** How many changes there are. */
  count: number;
  /** The deployments of the tree as it will be once the changes are applied. */
  deployments: DeploymentsSoFar["byKey"];
}

/** Options of {@linkcode planByGroups}. */
export interface GroupedPlanOptions extends LoadOptions {
  /** Told of each group's changes as they are planned (a dry run prints them). */
  onDiff?: (diff: TreeDiff) => void;
  /** Keep the changes' store operations (default true; a dry run needs only the count). */
  keep?: boolean;
  /** Desired nodes per group (default {@linkcode GROUP_NODES}). */
  groupNodes?: number;
}

/**
 * Plans the import of the scanned files into `store` group by group (see the module doc): the
 * changes that make every top-level subtree the files name match them (trim below them;
 * nodes holding ephemeral ones kept), and the deployments of the result, live top-level
 * subtrees the files do not name included.
 */
export async function planByGroups(
  store: Store,
  scan: TreeScan,
  options: GroupedPlanOptions = {},
): Promise<GroupedPlan> {
  const live = new Set(
    ((await store.get("/"))?.children ?? []).filter((name) => !RESERVED_TOP_LEVEL.has(name)),
  );
  const names = [...new Set([...scan.tops.keys(), ...live])].sort(compareNames);
  const budget = options.groupNodes ?? GROUP_NODES;
  const plan: GroupedPlan = { changes: [], count: 0, deployments: new Map() };
  const into: DeploymentsSoFar = { byKey: plan.deployments, order: 0 };
  let group: string[] = [];
  let weight = 0;
  const flush = async () => {
    if (group.length > 0) await planGroup(store, scan, group, live, options, plan, into);
    group = [];
    weight = 0;
  };
  for (const name of names) {
    const nodes = scan.tops.get(name)?.nodes ?? 1;
    if (group.length > 0 && weight + nodes > budget) await flush();
    group.push(name);
    weight += nodes;
  }
  await flush();
  return plan;
}

async function planGroup(
  store: Store,
  scan: TreeScan,
  names: readonly string[],
  live: ReadonlySet<string>,
  options: GroupedPlanOptions,
  plan: GroupedPlan,
  into: DeploymentsSoFar,
): Promise<void> {
  const liveNames = names.filter((name) => live.has(name));
  const liveRoot = emptyNode();
  if (liveNames.length > 0) {
    const paths = liveNames.map((name) => joinPath("/", name));
    for (const tree of await readTrees(store, paths, { ephemeral: true })) {
      if (tree !== null) liveRoot.children.set(tree.name, tree); // null: deleted meanwhile
    }
  }
  const desired = emptyNode();
  for (const name of names) {
    if (!scan.tops.has(name)) continue;
    const node = await readDesiredTopLevel(scan, name, { ...options, keepSources: false });
    desired.children.set(name, node);
  }
  const diff = diffTrees(desired, liveRoot, { trim: true });
  options.onDiff?.(diff);
  plan.count += diff.ops.length;
  if (options.keep ?? true) { for (const op of toStoreOps(diff.ops)) plan.changes.push(op); }
  applyOpsInPlace(liveRoot, diff.ops); // the group as imported
  addDeployments(liveRoot, into);
}
