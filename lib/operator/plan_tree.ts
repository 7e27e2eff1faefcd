/**
 * The tree part of `plan`: what a sync of a repository would change in the live tree, built
 * from sync's own pieces (checkout update, tree files, import planning). Reads the store, never
 * writes it.
 *
 * @module
 */
import type { Runner } from "../proc/types.ts";
import { readTopLevel } from "../store/tree_io.ts";
import type { Store } from "../store/types.ts";
import { sameVersion, showVersion } from "../cluster/mod.ts";
import { decideSync } from "../sync/decide.ts";
import { checkoutCommit, updateCheckout } from "../sync/git.ts";
import { tryLockCheckout } from "../sync/checkout_lock.ts";
import { planImport } from "../sync/plan.ts";
import { listTreeFiles, readDesiredTree } from "../sync/tree_files.ts";
import { applyOps } from "../tree/apply.ts";
import { formatDiff, type TreeDiff } from "../tree/diff.ts";
import type { TreeNode, Value } from "../tree/model.ts";
import type { FleetStatus } from "./fleet_status.ts";
import { CliError } from "../cli/run.ts";
import { message } from "../error_message.ts";
import { HOSTS_PATH } from "../cluster/mod.ts";
import { ZOOKEEPER_NODE } from "../tree/model.ts";

/** Top-level nodes that are not part of the desired tree (as the agent reads it). */
const NOT_TREE = new Set([HOSTS_PATH.slice(1), ZOOKEEPER_NODE]);

/** Where the planned tree comes from. */
export interface RepoSource {
  /** Repository URL or path. */
  repo: string;
  /** Branch (undefined: the remote's default branch). */
  branch?: string;
  /** The working checkout (updated as sync updates it). */
  treeDir: string;
  /** Plan this commit (a rollback's target) instead of the branch's tip. */
  rollbackTo?: string;
}

/** What a sync would do, judged by sync's rules. */
export type SyncOutlook = "initial" | "sync" | "up-to-date" | "all-stop" | "not-converged";

/** The tree part of a plan. */
export interface TreePlan {
  /** The repository planned, or undefined for the live tree. */
  source?: RepoSource & { commit: string; files: string[] };
  /** The cluster version (undefined: no `/hosts` yet). */
  clusterVersion: Value | undefined;
  /** The changes (empty for the live tree). */
  diff: TreeDiff;
  /** The lines `sync --dry-run` prints: the diff, then the version bump when there is one. */
  lines: string[];
  /** What sync would do now, and why. */
  outlook: SyncOutlook;
  /** The outlook in words. */
  outlookText: string;
  /** The live tree (every top-level node but `/hosts`, ephemeral nodes included). */
  live: TreeNode;
  /** The tree after the sync: the live tree with the diff applied. */
  desired: TreeNode;
}

/** Plans the tree part: the live tree alone, or what a sync of `source` would change. */
export async function planTree(
  store: Store,
  fleet: FleetStatus,
  runner: Runner,
  source: RepoSource | undefined,
): Promise<TreePlan> {
  const live = await readTopLevel(store, NOT_TREE);
  const clusterVersion = fleet.version;
  if (source === undefined) {
    return {
      clusterVersion,
      diff: { ops: [], extra: [] },
      lines: [],
      outlook: "up-to-date",
      outlookText: "the live tree as it is (no REPO_URL given)",
      live,
      desired: live,
    };
  }
  // The checkout is shared with sync: one user at a time.
  const lock = await tryLockCheckout(source.treeDir);
  if (lock === null) {
    throw new CliError(`another sync is running for ${source.treeDir}; try again when it is done`);
  }
  let commit: string;
  let files: string[];
  let fromFiles: TreeNode;
  try {
    try {
      commit = await updateCheckout(runner, source.repo, source.branch, source.treeDir);
      if (source.rollbackTo !== undefined) {
        commit = await checkoutCommit(runner, source.treeDir, source.rollbackTo);
      }
    } catch (error) {
      throw new CliError(`could not update the tree checkout ${source.treeDir}: ${message(error)}`);
    }
    try {
      const list = await listTreeFiles(source.treeDir);
      files = [...list.base, ...list.layers];
      fromFiles = await readDesiredTree(source.treeDir, list);
    } catch (error) {
      throw new CliError(`bad tree file, sync would refuse: ${message(error)}`);
    }
  } finally {
    lock.release();
  }
  const diff = planImport(fromFiles, live);
  const [outlook, outlookText] = syncOutlook(fleet, commit, diff.ops.length);
  const lines = formatDiff(diff);
  if (!sameVersion(commit, clusterVersion)) {
    lines.push(`~ ${HOSTS_PATH} version: ${showVersion(clusterVersion)} -> ${commit}`);
  }
  return {
    source: { ...source, commit, files },
    clusterVersion,
    diff,
    lines,
    outlook,
    outlookText,
    live,
    desired: applyOps(live, diff.ops),
  };
}

/** What sync would do with `commit`: sync's own rule ({@linkcode decideSync}), in words. */
function syncOutlook(
  fleet: FleetStatus,
  commit: string,
  changes: number,
): [SyncOutlook, string] {
  const apply = `apply ${changes} change${changes === 1 ? "" : "s"} and set the cluster ` +
    `version to ${commit}`;
  const hosts = fleet.hosts.map((h) => ({ id: h.id, version: h.version ?? undefined }));
  const decision = decideSync(commit, fleet.version, hosts);
  switch (decision.kind) {
    case "all-stop":
      return ["all-stop", "sync would refuse: ALL STOP, cluster version is None"];
    case "up-to-date":
      return ["up-to-date", `sync would do nothing: the cluster is already at ${commit}`];
    case "not-converged":
      return [
        "not-converged",
        `sync would refuse without --force: host ${decision.host.id} has not converged ` +
        `(${showVersion(decision.host.version)} -> ${showVersion(fleet.version)})`,
      ];
    case "resync":
      return fleet.state === "uninitialised"
        ? ["initial", `sync would ${apply} (first sync)`]
        : ["sync", `sync would ${apply}`];
  }
}
