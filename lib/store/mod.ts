/**
 * The store: where the cluster tree lives (ZooKeeper or a local file), and tree-level helpers.
 *
 * @module
 */
export * from "./types.ts";
export { openStore, type OpenStoreOptions } from "./open.ts";
export {
  connectZooKeeper,
  parseConnectString,
  type ZooKeeperAddress,
  type ZooKeeperOptions,
  ZooKeeperStore,
} from "./zookeeper/mod.ts";
export { LocalStore, openLocalStore } from "./embedded/mod.ts";
export {
  applyOps,
  type ApplyResult,
  applyStoreOps,
  batchOps,
  deleteRecursive,
  getProperties,
  opBytes,
  readTree,
  type ReadTreeOptions,
  setProperties,
  toStoreOps,
  updateProperties,
  writeTree,
} from "./tree_io.ts";
export { LOCKS_ROOT, validatePath } from "./path.ts";
