/**
 * Cluster-side helpers for agent tests: import tree text as the seed's `import_tree(tree,
 * trim=True)` does, set the `/hosts` version, and print `/hosts` with its ephemeral nodes.
 *
 * @module
 */
import { applyOps, readTree, setProperties } from "../../../lib/store/tree_io.ts";
import type { Store } from "../../../lib/store/types.ts";
import { diffTrees } from "../../../lib/tree/diff.ts";
import { formatTree } from "../../../lib/tree/format.ts";
import { emptyNode, type Value } from "../../../lib/tree/model.ts";
import { parseTree } from "../../../lib/tree/parse.ts";

/** Imports tree text with trim: the top-level nodes it names become exactly what it says. */
export async function importTree(store: Store, text: string): Promise<void> {
  const desired = parseTree(text, "test.zk");
  const live = emptyNode();
  for (const name of desired.children.keys()) {
    if (await store.get(`/${name}`) !== null) {
      live.children.set(name, await readTree(store, `/${name}`));
    }
  }
  await applyOps(store, diffTrees(desired, live, { trim: true }).ops);
}

/** Sets the cluster version (`/hosts` `version`). */
export async function setClusterVersion(store: Store, version: Value): Promise<void> {
  await setProperties(store, "/hosts", { version });
}

/** Prints `path` with ephemeral nodes, as the seed's `print_tree` shows the host nodes. */
export async function printTree(store: Store, path = "/hosts"): Promise<string> {
  const root = emptyNode();
  const node = await readTree(store, path);
  root.children.set(node.name, node);
  return formatTree(root, { path, ephemeral: true });
}
