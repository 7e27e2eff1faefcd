/**
 * One sync run: git checkout → compare versions and hosts → cluster lock → validate every tree
 * file (a streaming pass) → import (planned a few top-level subtrees at a time, applied in multi
 * transactions) → bump `/hosts` version.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { Runner } from "../proc/types.ts";
import type { Store } from "../store/types.ts";
import { ConnectionGivenUp, ConnectionWatch, RetryingReads } from "../store/reconnect.ts";
import { deploymentIndexOpsOf } from "../cluster/mod.ts";
import { decodeProperties } from "../tree/codec.ts";
import { formatDiff, type TreeDiff } from "../tree/diff.ts";
import { joinPath, type Value } from "../tree/model.ts";
import { checkoutCommit, readCommitInfo, updateCheckout } from "./git.ts";
import { bumpWithRecord, DEFAULT_KEEP_HISTORY, pinWarning, readRollouts } from "./rollout_bump.ts";
import { tryLockCheckout } from "./checkout_lock.ts";
import type { LoadOptions } from "../tree/load.ts";
import { sameVersion, showVersion } from "../cluster/mod.ts";
import { decideSync, type HostVersion, type SyncDecision } from "./decide.ts";
import { listTreeFiles } from "./tree_files.ts";
import { scanTreeFiles, type TreeScan } from "./tree_scan.ts";
import { planByGroups } from "./grouped_plan.ts";
import { type ImportPlan, importTree } from "./import.ts";
import { message } from "../error_message.ts";
import { HOSTS_PATH, whoAmI } from "../cluster/mod.ts";

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
  /** The largest node data accepted (default: `DEFAULT_MAX_NODE_BYTES`). */
  maxNodeBytes?: LoadOptions["maxNodeBytes"];
  /** How long the store may stay unreachable before the run gives up (default 60 000 ms). */
  timeoutMs?: number;
  /** How many rollout records to keep (default {@linkcode DEFAULT_KEEP_HISTORY}). */
  keepHistory?: number;
  /** Who runs the sync, for its rollout record (default: `user@host` of this process). */
  by?: string;
  /**
   * A rollback: sync this commit (a full id or prefix) instead of the branch's tip, even under
   * ALL STOP or while hosts have not converged, then pin the cluster to it.
   */
  rollbackTo?: string;
}

/** How a run ended. */
export type SyncStatus =
  | "synced"
  | "up-to-date"
  | "dry-run"
  | "not-converged"
  | "locked"
  | "all-stop"
  | "busy"
  | "pinned"
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

/**
 * Runs one sync. Never throws for expected failures: they are logged and returned. One sync at
 * a time per checkout: while another holds `--tree-dir`, it logs `Another sync is running for
 * <dir>` and ends with status `busy` (exit 0), touching nothing.
 */
export async function syncRepository(options: SyncOptions): Promise<SyncResult> {
  let checkoutLock;
  try {
    checkoutLock = await tryLockCheckout(options.treeDir);
  } catch (error) {
    options.log.error(`Could not lock the tree checkout ${options.treeDir}: ${message(error)}`);
    return refused("failed");
  }
  if (checkoutLock === null) {
    options.log.info(`Another sync is running for ${options.treeDir}`);
    return ok("busy");
  }
  // Reads (the first decision, the one under the lock, the import's) wait for a lost connection
  // to come back (up to the timeout) instead of failing.
  const store = new RetryingReads(options.store, options.timeoutMs);
  try {
    return await syncLocked(options, store);
  } finally {
    store.stop(); // the caller's store stays open
    checkoutLock.release();
  }
}

/** The cluster version and the sync decision, read now. */
async function readDecision(store: Store, commit: string, options: SyncOptions) {
  const hosts = await store.get(HOSTS_PATH);
  const clusterVersion: Value | undefined = hosts === null
    ? undefined
    : decodeProperties(hosts.data).version;
  const reported = hosts === null ? [] : await hostVersions(store, hosts.children);
  let decision = decideSync(commit, clusterVersion, reported, options.force);
  if (options.rollbackTo !== undefined && decision.kind !== "up-to-date") {
    // A rollback goes out of ALL STOP and past hosts that have not converged (said once).
    if (decision.kind === "not-converged") {
      options.log.warning(
        `Rolling back while host ${decision.host.id} has not converged ` +
          `(${showVersion(decision.host.version)} -> ${showVersion(clusterVersion)})`,
      );
    }
    decision = { kind: "resync" };
  }
  return { clusterVersion, decision, hostCount: reported.length };
}

/** The result for a decision that is not `resync` (logged), or undefined for `resync`. */
function refusal(
  decision: SyncDecision,
  clusterVersion: Value | undefined,
  commit: string,
  options: SyncOptions,
): SyncResult | undefined {
  const { log } = options;
  if (decision.kind === "all-stop") {
    log.critical(
      options.force
        ? "ALL STOP, cluster version is None; --force does not override it: set the version " +
          "with `clusterdeploy resume VERSION` (or `clusterdeploy resume False`), then sync again"
        : "ALL STOP, cluster version is None",
    );
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
  return undefined;
}

async function syncLocked(options: SyncOptions, store: RetryingReads): Promise<SyncResult> {
  const { log } = options;
  let commit: string;
  try {
    commit = await updateCheckout(options.runner, options.repoUrl, options.branch, options.treeDir);
    if (options.rollbackTo !== undefined) {
      commit = await checkoutCommit(options.runner, options.treeDir, options.rollbackTo);
    }
  } catch (error) {
    log.error(`Could not update the tree checkout: ${message(error)}`);
    return refused("failed");
  }
  log.info(`VCS Version: ${commit}`);

  let { clusterVersion, decision, hostCount } = await readDecision(store, commit, options);
  log.info(`ZK Version: ${showVersion(clusterVersion)}`);
  const early = refusal(decision, clusterVersion, commit, options);
  if (early !== undefined) return early;

  // The lock comes before anything else is said or read (as the seed's transcript shows); a
  // dry run takes none, since it must not write even the lock nodes.
  const lock = options.dryRun ? undefined : await store.tryLock(CLUSTER_LOCK);
  if (lock === null) {
    log.error("Refused to update zookeeper tree, couldn't obtain cluster lock");
    return refused("locked", { commit });
  }
  const connection = new ConnectionWatch(store, options.timeoutMs);
  try {
    if (lock !== undefined) {
      // Another sync may have bumped the version, or a host stopped the cluster, between the
      // first read and the lock: decide again on what holds now that no other sync can run.
      const before = clusterVersion;
      ({ clusterVersion, decision, hostCount } = await readDecision(store, commit, options));
      if (!sameVersion(before, clusterVersion)) {
        log.info(`ZK Version changed while waiting for the lock: ${showVersion(clusterVersion)}`);
      }
      const late = refusal(decision, clusterVersion, commit, options);
      if (late !== undefined) return late;
    }
    // A pin (set by a rollback) stops the sync of anything else, --force or not.
    const pin = (await readRollouts(store, log))?.pin;
    if (pin && options.rollbackTo === undefined) {
      log.warning(pinWarning(pin, commit));
      return ok("pinned", { commit });
    }
    log.info("Version mismatch detected, resyncing");
    let scan: TreeScan;
    let files: string[];
    try {
      const list = await listTreeFiles(options.treeDir);
      files = [...list.base, ...list.layers];
      scan = await scanTreeFiles(options.treeDir, list, { maxNodeBytes: options.maxNodeBytes });
    } catch (error) {
      log.error(`Refused to update zookeeper tree, bad tree file: ${message(error)}`);
      return refused("failed", { commit });
    }
    const suffix = options.dryRun ? " (dry run, no action taken)" : "";
    for (const file of files) log.info(`Importing ${file}${suffix}`);
    const maxNodeBytes = options.maxNodeBytes;
    if (options.dryRun) {
      const out = options.out ?? ((line: string) => console.log(line));
      const onDiff = (diff: TreeDiff) => formatDiff(diff).forEach((line) => out(line));
      const plan = await planByGroups(store, scan, { maxNodeBytes, onDiff, keep: false });
      out(`~ ${HOSTS_PATH} version: ${showVersion(clusterVersion)} -> ${commit}`);
      return ok("dry-run", { commit, changes: plan.count });
    }
    // The tree's changes, a few top-level subtrees at a time; the deployment index of the tree
    // as imported goes in the same transactions, last; both planned again after a lost
    // connection, always before the bump.
    const planImport = async (): Promise<ImportPlan> => {
      const { changes, deployments } = await planByGroups(store, scan, { maxNodeBytes });
      return { changes, after: await deploymentIndexOpsOf(store, deployments, commit) };
    };
    const plan = await planImport();
    // Small imports keep the seed's transcript; a large one says how far it has got.
    const progress = plan.changes.length >= PROGRESS_THRESHOLD
      ? (done: number, total: number) => log.info(`Imported ${done} of ${total} changes`)
      : undefined;
    const applied = await importTree(store, {
      connection,
      plan,
      replan: planImport,
      log,
      onProgress: progress,
    });
    log.debug(`Applied ${applied.writes} changes in ${applied.transactions} transactions`);
    const info = await readCommitInfo(options.runner, options.treeDir, commit);
    const bump = {
      commit,
      info,
      by: options.by ?? whoAmI(),
      changes: plan.changes.length,
      paths: plan.changes.slice(0, 200).map((op) => op.path),
      hosts: hostCount,
      rollback: options.rollbackTo !== undefined,
      keep: options.keepHistory ?? DEFAULT_KEEP_HISTORY,
    };
    const bumped = await connection.run(() => bumpWithRecord(store, bump, log), {
      keepSession: true,
    });
    if (!bumped) return refused("all-stop", { commit });
    return ok("synced", { commit, changes: plan.changes.length });
  } catch (error) {
    const rerun = error instanceof ConnectionGivenUp ? "; run sync again" : "";
    log.error(`Sync failed: ${message(error)}${rerun}`);
    return refused("failed", { commit });
  } finally {
    // Not waiting on a cluster given up: the lock then goes with the session.
    await connection.run(async () => await lock?.release()).catch((error) =>
      log.warning(
        `Could not release the cluster lock (${message(error)}); it goes with the session`,
      )
    );
    connection.stop();
  }
}

/** The versions the hosts' nodes report, in id order (nodes gone meanwhile are skipped). */
async function hostVersions(store: Store, ids: readonly string[]): Promise<HostVersion[]> {
  const nodes = await store.getMany(ids.map((id) => joinPath(HOSTS_PATH, id)));
  return nodes.flatMap((node, i) =>
    node === null ? [] : [{ id: ids[i], version: decodeProperties(node.data).version }]
  );
}
