/**
 * What surrounds one app's deploy script on this host, so that a failure stops the rollout
 * before anyone else runs it, and a lost connection never runs it twice:
 *
 * 1. a deploy script already completed for this cluster version (before a connection failure
 *    made the agent retry the version) is not run again;
 * 2. the app lock `/agent-locks/<path without the leading />, each / written ,>` is taken with
 *    the standard lock recipe (rolling deployment; the waiting line names the holder);
 * 3. once it is held, the cluster version is read again: when it is `None` or another version,
 *    the deployment is abandoned ({@linkcode AbandonedError}) and nothing runs;
 * 4. when the script fails, the cluster is stopped (version `None`, the host's `error`) **before**
 *    the lock is left, so the next host in the queue sees it;
 * 5. while the lock is held, an expired session is reported: the lock is gone with it.
 *
 * With a rollout policy (issue 18, `rollout.ts`): the canary gate comes before the slot; the
 * slot is the app lock (`max_parallel` 1) or a semaphore lease (`slot.ts`); after the script the
 * slot is held until the health check passed, and an unhealthy host stops the cluster (4.)
 * before it leaves the slot.
 *
 * Under a role controller the app lock is taken too (inside the role lock: hosts of different
 * roles may share an app, and an operator may pause an app with any standard lock client); once
 * the role's `starting-deployments` has run (`mayAbandon` false) the deployment is completed,
 * never abandoned, so the host is not left out of rotation. No deadlock: an app lock is never
 * held while waiting for another lock.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import { isStoreError, type Store } from "../store/types.ts";
import { readClusterVersion, sameVersion } from "../cluster/mod.ts";
import type { Value } from "../tree/model.ts";
import type { Deployment } from "./deployments.ts";
import { AbandonedError } from "./execute.ts";
import { type HostIdentity } from "../cluster/mod.ts";
import { message } from "../error_message.ts";
import { acquireSlot } from "./slot.ts";
import { rolloutPolicy } from "./rollout_policy.ts";
import type { RolloutRun } from "./rollout.ts";

export { appLockPath } from "./slot.ts";

/** What identifies this host in its lock nodes (as the reference agents write it). */
export function lockIdentifier(host: HostIdentity): string {
  return `${host.name} (${host.id})`;
}

/** Deploy scripts completed for one cluster version; kept across retries of that version. */
export class CompletedScripts {
  /** The version they were completed for. */
  readonly version: Value;
  readonly #done = new Set<string>();

  /** Starts an empty record for `version`. */
  constructor(version: Value) {
    this.version = version;
  }

  /** Whether `d`'s script completed. */
  has(d: Deployment): boolean {
    return this.#done.has(`${d.path} ${d.n}`);
  }

  /** Records that `d`'s script completed. */
  add(d: Deployment): void {
    this.#done.add(`${d.path} ${d.n}`);
  }
}

/** What {@linkcode guardDeploy} needs. */
export interface AppGuardOptions {
  /** The cluster store. */
  store: Store;
  /** The agent's log. */
  logger: Logger;
  /** This host. */
  host: HostIdentity;
  /** The cluster version being deployed. */
  version: Value;
  /** Scripts already completed for `version`. */
  completed: CompletedScripts;
  /** Stops the cluster (version `None`, the host's `error`); called before the lock is left. */
  stopCluster: (error: unknown) => Promise<void>;
  /** Aborted when the agent stops: waiting for the lock ends (`StoreError` `CLOSED`). */
  signal?: AbortSignal;
  /** Whether a changed cluster version may still abandon the deployment (default: always). */
  mayAbandon?: () => boolean;
  /** The bump's canary and health gates and their status (none: the script alone). */
  rollout?: RolloutRun;
}

/** Runs `run` (the deploy script of `d`) under the guard described in the module doc. */
export async function guardDeploy(
  o: AppGuardOptions,
  d: Deployment,
  run: () => Promise<unknown>,
): Promise<void> {
  if (o.completed.has(d)) {
    o.logger.info(`Already deployed ${d.path} ${d.n} for this version; not running it again`);
    return;
  }
  const policy = rolloutPolicy(d);
  const mayAbandon = () => o.mayAbandon?.() ?? true;
  const gate = await o.rollout?.gate(d, policy, mayAbandon) ?? { canary: false, tracked: false };
  const lock = await acquireSlot(o.store, d.path, {
    identifier: lockIdentifier(o.host),
    maxParallel: policy.maxParallel,
    signal: o.signal,
    onWait: (line) => {
      o.logger.info(line);
      void o.rollout?.publish(d, gate, "waiting-slot");
    },
  });
  let running = false;
  const unwatch = o.store.onState((state) => {
    if (state === "expired" && running) {
      o.logger.warning(`Session expired while deploying ${d.path}; another host may deploy it now`);
    }
  });
  try {
    const current = await readClusterVersion(o.store);
    if (!sameVersion(current, o.version) && mayAbandon()) {
      throw new AbandonedError(current);
    }
    running = true;
    try {
      void o.rollout?.publish(d, gate, "deploying");
      await run();
      await o.rollout?.afterScript(d, policy, gate);
    } catch (error) {
      // The agent closing during a health wait is no failure (nothing stops the cluster).
      if (isStoreError(error, "CLOSED") && o.signal?.aborted) throw error;
      await o.stopCluster(error);
      void o.rollout?.publish(d, gate, "failed");
      throw error;
    }
    o.completed.add(d);
  } finally {
    running = false;
    unwatch();
    await lock.release().catch((error) => {
      o.logger.warning(`Could not release the lock of ${d.path}: ${message(error)}`);
    });
  }
}
