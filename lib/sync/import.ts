/**
 * The import step of a sync, made to ride out a lost ZooKeeper connection: apply the planned
 * changes; when the connection is lost, wait for the reconnection, read the live tree again,
 * plan again and go on. A transaction cut off by the loss may or may not have been applied, so
 * nothing is assumed about it: the new plan starts from what the tree holds now.
 *
 * The import gives up (see {@linkcode ConnectionWatch}) when the session expires — the cluster
 * lock went with it — or when the cluster stays unreachable past the timeout.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { ConnectionWatch } from "../store/reconnect.ts";
import { type ApplyProgress, type ApplyResult, applyStoreOps } from "../store/tree_io.ts";
import { isStoreError, type Store, StoreError, type StoreOp } from "../store/types.ts";
import { message } from "../error_message.ts";

/** What one attempt applies: the tree's changes, then the store operations that go with them. */
export interface ImportPlan {
  /** The tree's changes as store operations (what the progress and the log count). */
  changes: readonly StoreOp[];
  /**
   * Store operations applied after the tree's, in the same transactions (sync's deployment
   * index of the tree as imported); made again with each new plan.
   */
  after: readonly StoreOp[];
}

/** What {@linkcode importTree} needs. */
export interface ImportOptions {
  /** Follows the store's connection since the cluster lock was taken. */
  connection: ConnectionWatch;
  /** The plan made from a read of the live tree just before. */
  plan: ImportPlan;
  /** Reads the live tree again and plans from it. */
  replan: () => Promise<ImportPlan>;
  /** Where a lost connection and the new plan are reported. */
  log: Logger;
  /** Told after each transaction that applied tree changes (of the current plan's). */
  onProgress?: ApplyProgress;
}

/**
 * Errors that, after a lost connection, mean the tree is not what the plan was made from: a
 * transaction cut off by the loss was applied after all (the next plan will see it).
 */
function changedMeanwhile(error: unknown): boolean {
  return error instanceof StoreError &&
    ["NODE_EXISTS", "NO_NODE", "NOT_EMPTY", "BAD_VERSION"].includes(error.code);
}

/**
 * Applies `plan` (the tree's changes, then its `after` operations), re-planning from the live
 * tree after every lost connection.
 */
export function importTree(store: Store, options: ImportOptions): Promise<ApplyResult> {
  const { log } = options;
  return options.connection.run(async (attempt, signal) => {
    const plan = attempt === 1 ? options.plan : await options.replan();
    signal.throwIfAborted();
    const changes = plan.changes.length;
    if (attempt > 1) log.info(`Re-read the tree: ${changes} changes left to import`);
    let shown = 0;
    const ops = plan.changes.concat(plan.after);
    return await applyStoreOps(store, ops, (done) => {
      signal.throwIfAborted(); // given up: write nothing more
      options.connection.answered();
      const treeDone = Math.min(done, changes); // the operations after the tree's are not counted
      if (treeDone > shown) options.onProgress?.(shown = treeDone, changes);
    });
  }, {
    keepSession: true,
    retryAfterLoss: changedMeanwhile,
    onRetry(error) {
      if (isStoreError(error, "CONNECTION")) {
        log.warning(
          `Lost the connection to ZooKeeper during the import (${message(error)}); ` +
            `re-reading the tree once reconnected`,
        );
      } else {
        log.warning(
          `The tree changed after the lost connection (${message(error)}); re-reading it`,
        );
      }
    },
  });
}
