/**
 * One sync run: git checkout → parse and validate every tree file → compare versions and hosts
 * → cluster lock → import (one diff, applied in multi transactions) → bump `/hosts` version.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { Runner } from "../proc/types.ts";
import { type Store, StoreError } from "../store/types.ts";
import { applyStoreOps, readTrees, toStoreOps, updateProperties } from "../store/tree_io.ts";
import { deploymentIndexOps } from "../agent/deployment_index.ts";
import { NOT_DEPLOYMENTS } from "../agent/deployment_keys.ts";
import { applyOpsInPlace } from "../tree/apply.ts";
import { decodeProperties, encodeProperties } from "../tree/codec.ts";
import { formatDiff } from "../tree/diff.ts";
import { emptyNode, joinPath, type TreeNode, type Value } from "../tree/model.ts";
import { updateCheckout } from "./git.ts";
import { HOSTS_PATH, showVersion } from "./cluster_version.ts";
import { decideSync, type HostVersion } from "./decide.ts";
import { listTreeFiles, readDesiredTree } from "./tree_files.ts";
import { planImport } from "./plan.ts";

/** From this many changes on, an import logs its progress after each transaction. */
export const PROGRESS_THRESHOLD = 1000;

/** Name of the cluster lock (`/ZktoolsLocks/,hosts`). */
export const CLUSTER_LOCK = ",hosts";

/** What a sync run needs. */
export interface SyncOptions {
  /** The cluster store. */
  store: Store;
  /** Runs git. */
  runner: Runner;
  /** Where progress goes. */
  log: Logger;
  /** Repository URL or path. */
  repoUrl: string;
  /** Branch; the remote's default branch when undefined. */
  branch?: string;
  /** The working checkout. */
  treeDir: string;
  /** Plan and report only; change nothing (not even the lock nodes). */
  dryRun?: boolean;
  /** Sync even while hosts have not converged. */
  force?: boolean;
  /** Receives the dry-run plan, one line at a time (default: standard output). */
  out?: (line: string) => void;
}

/** How a run ended. */
export type SyncStatus =
  | "synced"
  | "up-to-date"
  | "dry-run"
  | "not-converged"
  | "locked"
  | "all-stop"
  | "failed";

/** The outcome of a run. */
export interface SyncResult {
  /** How it ended. */
  status: SyncStatus;
  /** The process exit code for it: 0 done or nothing to do, 1 refused or failed. */
  exitCode: 0 | 1;
  /** The commit id, once known. */
  commit?: string;
  /** Number of tree changes planned (applied unless dry-run). */
  changes?: number;
}

const ok = (status: SyncStatus, extra: Partial<SyncResult> = {}): SyncResult => ({
  status,
  exitCode: 0,
  ...extra,
});
const refused = (status: SyncStatus, extra: Partial<SyncResult> = {}): SyncResult => ({
  status,
  exitCode: 1,
  ...extra,
});

/** Runs one sync. Never throws for expected failures: they are logged and returned. */
export async function syncRepository(options: SyncOptions): Promise<SyncResult> {
  const { store, log } = options;
  let commit: string;
  try {
    commit = await updateCheckout(options.runner, options.repoUrl, options.branch, options.treeDir);
  } catch (error) {
    log.error(`Could not update the tree checkout: ${message(error)}`);
    return refused("failed");
  }
  log.info(`VCS Version: ${commit}`);

  const hosts = await store.get(HOSTS_PATH);
  const clusterVersion: Value | undefined = hosts === null
    ? undefined
    : decodeProperties(hosts.data).version;
  log.info(`ZK Version: ${showVersion(clusterVersion)}`);
  const decision = decideSync(
    commit,
    clusterVersion,
    hosts === null ? [] : await hostVersions(store, hosts.children),
    options.force,
  );
  if (decision.kind === "all-stop") {
    log.critical("ALL STOP, cluster version is None");
    return refused("all-stop", { commit });
  }
  if (decision.kind === "up-to-date") return ok("up-to-date", { commit });
  if (decision.kind === "not-converged") {
    log.error(
      `Version mismatch detected, can't resync since host ${decision.host.id} has not converged ` +
        `(${showVersion(decision.host.version)} -> ${showVersion(clusterVersion)})`,
    );
    return refused("not-converged", { commit });
  }

  // The lock comes before anything else is said or read (as the seed's transcript shows); a
  // dry run takes none, since it must not write even the lock nodes.
  const lock = options.dryRun ? undefined : await store.tryLock(CLUSTER_LOCK);
  if (lock === null) {
    log.error("Refused to update zookeeper tree, couldn't obtain cluster lock");
    return refused("locked", { commit });
  }
  try {
    log.info("Version mismatch detected, resyncing");
    let desired: TreeNode;
    let files: string[];
    try {
      const list = await listTreeFiles(options.treeDir);
      files = [...list.base, ...list.layers];
      desired = await readDesiredTree(options.treeDir, list);
    } catch (error) {
      log.error(`Refused to update zookeeper tree, bad tree file: ${message(error)}`);
      return refused("failed", { commit });
    }
    const live = await readLive(store);
    const diff = planImport(desired, live);
    const suffix = options.dryRun ? " (dry run, no action taken)" : "";
    for (const file of files) log.info(`Importing ${file}${suffix}`);
    if (options.dryRun) {
      const out = options.out ?? ((line: string) => console.log(line));
      for (const line of formatDiff(diff)) out(line);
      out(`~ ${HOSTS_PATH} version: ${showVersion(clusterVersion)} -> ${commit}`);
      return ok("dry-run", { commit, changes: diff.ops.length });
    }
    // Small imports keep the seed's transcript; a large one says how far it has got.
    const total = diff.ops.length;
    let shown = 0; // the index's writes come after the tree's and are not counted
    const progress = total >= PROGRESS_THRESHOLD
      ? (done: number) => {
        if (Math.min(done, total) > shown) {
          log.info(`Imported ${shown = Math.min(done, total)} of ${total} changes`);
        }
      }
      : undefined;
    // The deployment index of the tree as imported goes in the same transactions, last.
    applyOpsInPlace(live, diff.ops); // `live` becomes the tree as imported
    const index = await deploymentIndexOps(store, live, commit);
    const applied = await applyStoreOps(store, [...toStoreOps(diff.ops), ...index], progress);
    log.debug(`Applied ${applied.writes} changes in ${applied.transactions} transactions`);
    if (!await bumpVersion(store, commit, log)) return refused("all-stop", { commit });
    return ok("synced", { commit, changes: diff.ops.length });
  } catch (error) {
    log.error(`Sync failed: ${message(error)}`);
    return refused("failed", { commit });
  } finally {
    await lock?.release();
  }
}

/** The versions the hosts' nodes report, in id order (nodes gone meanwhile are skipped). */
async function hostVersions(store: Store, ids: readonly string[]): Promise<HostVersion[]> {
  const nodes = await store.getMany(ids.map((id) => joinPath(HOSTS_PATH, id)));
  return nodes.flatMap((node, i) =>
    node === null ? [] : [{ id: ids[i], version: decodeProperties(node.data).version }]
  );
}

/**
 * The live tree: every top-level subtree but the hosts', ZooKeeper's and the deployment
 * index, read together level by level (the diff uses those the files name, the deployment
 * index all of them).
 */
async function readLive(store: Store): Promise<TreeNode> {
  const names = ((await store.get("/"))?.children ?? []).filter((n) => !NOT_DEPLOYMENTS.has(n));
  const trees = await readTrees(store, names.map((n) => joinPath("/", n)), { ephemeral: true });
  const root = emptyNode();
  for (const tree of trees) if (tree !== null) root.children.set(tree.name, tree);
  return root;
}

/** Thrown inside the version update when the cluster was stopped meanwhile. */
class StoppedMeanwhile extends Error {}

/**
 * Sets the cluster version to `commit`, keeping `/hosts`' other properties, as a
 * compare-and-set: if an agent declared ALL STOP meanwhile, the version is left as None.
 */
async function bumpVersion(store: Store, commit: string, log: Logger): Promise<boolean> {
  if (await store.get(HOSTS_PATH) === null) {
    try {
      await store.create(HOSTS_PATH, encodeProperties({ version: commit }));
      return true;
    } catch (error) {
      if (!(error instanceof StoreError && error.code === "NODE_EXISTS")) throw error;
    }
  }
  try {
    await updateProperties(store, HOSTS_PATH, (properties) => {
      if (properties.version === null) throw new StoppedMeanwhile();
      return { ...properties, version: commit };
    });
    return true;
  } catch (error) {
    if (!(error instanceof StoppedMeanwhile)) throw error;
    log.critical("ALL STOP, cluster version became None during the sync; version not bumped");
    return false;
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
