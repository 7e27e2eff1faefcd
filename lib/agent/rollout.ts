/**
 * One bump's progressive rollout on this host (issue 18), around each app's deploy script (see
 * `app_guard.ts`): before the slot, the canary gate (`canary.ts`); after the script, the health
 * gate (`health_check.ts`) while the slot is still held, then the canary record. What the host is
 * doing for each app is published in its host node's `rollout` property (see
 * {@linkcode RolloutEntry}), read by `clusterdeploy status`.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { Runner } from "../proc/types.ts";
import type { Store } from "../store/types.ts";
import type { Value } from "../tree/model.ts";
import { sameVersion } from "../cluster/mod.ts";
import type { Deployment } from "./deployments.ts";
import { AbandonedError } from "./execute.ts";
import { canaryGate, canaryHealthy } from "./canary.ts";
import { hasHealthScript, waitHealthy } from "./health_check.ts";
import type { RolloutPolicy } from "./rollout_policy.ts";

/** What a host is doing for an app, as published. */
export type RolloutState =
  | "waiting-canaries"
  | "waiting-slot"
  | "deploying"
  | "checking"
  | "healthy"
  | "failed";

/**
 * One app's entry in the host node's `rollout` property (keyed by app path): the cluster version
 * the host is deploying, its state, and while `checking` the deadline (seconds since the epoch).
 */
export interface RolloutEntry {
  /** The cluster version. */
  version: Value;
  /** The state. */
  state: RolloutState;
  /** While checking: when the health deadline passes (seconds since the epoch). */
  deadline?: number;
}

/** Where a rollout publishes its entries (the host node, `host_report.ts`). */
export interface RolloutSink {
  /**
   * Sets the entry of the app at `path` and writes the host node (with `write` false: keeps it
   * for the node's next write).
   */
  rollout(path: string, entry: RolloutEntry, write?: boolean): Promise<void>;
}

/** What a {@linkcode RolloutRun} needs. */
export interface RolloutContext {
  /** The cluster store. */
  store: Store;
  /** The agent's log. */
  logger: Logger;
  /** This host's id. */
  hostId: string;
  /** Runs `zookeeper-health`. */
  runner: Runner;
  /** The agent's root. */
  root: string;
  /** The cluster version being deployed. */
  version: Value;
  /** The cluster version as the agent last saw it (no request). */
  clusterVersion: () => Value;
  /** Where entries are published. */
  sink: RolloutSink;
  /** Aborted when the agent stops. */
  signal?: AbortSignal;
}

/** What the canary gate decided for one deployment. */
export interface Gate {
  /** Whether this host is one of the app's canaries for this version. */
  canary: boolean;
  /**
   * Whether the app's progress is published: it has rollout properties or a health script
   * (an app with neither costs no extra write).
   */
  tracked: boolean;
}

/** The rollout of one bump (see the module doc). */
export class RolloutRun {
  readonly #c: RolloutContext;

  /** Makes the run. */
  constructor(context: RolloutContext) {
    this.#c = context;
  }

  /**
   * Publishes `state` for `d`'s app when it is tracked; not awaited by the gates (the host
   * node's writes go out in order on the session).
   */
  publish(d: Deployment, gate: Gate, state: RolloutState, deadline?: number): Promise<void> {
    if (!gate.tracked) return Promise.resolve();
    const entry: RolloutEntry = { version: this.#c.version, state };
    if (deadline !== undefined) entry.deadline = Math.round(deadline / 1000);
    // `healthy` goes out with the host node's next write (the next app's, or the bump's end):
    // one write less per deploy script while the slot is held.
    return this.#c.sink.rollout(d.path, entry, state !== "healthy");
  }

  /**
   * The canary gate of `d`: resolves with whether this host is a canary; throws
   * {@linkcode AbandonedError} when the cluster version changed while it waited.
   */
  async gate(d: Deployment, policy: RolloutPolicy, mayAbandon: () => boolean): Promise<Gate> {
    const c = this.#c;
    const tracked = d.policy !== undefined || await hasHealthScript(c.root, d);
    if (policy.canary <= 0) return { canary: false, tracked };
    const outcome = await canaryGate({
      store: c.store,
      hostId: c.hostId,
      count: policy.canary,
      shouldStop: () =>
        (c.signal?.aborted ?? false) ||
        (!sameVersion(c.clusterVersion(), c.version) && mayAbandon()),
      onWait: (healthy) => {
        c.logger.info(`Waiting for ${d.path} canaries (${healthy} of ${policy.canary} healthy)`);
        void this.publish(d, { canary: false, tracked }, "waiting-canaries");
      },
    }, d);
    if (outcome === "stopped") throw new AbandonedError(c.clusterVersion());
    return { canary: outcome === "canary", tracked };
  }

  /** After `d`'s script ran: the health gate, then the canary record; throws when unhealthy. */
  async afterScript(d: Deployment, policy: RolloutPolicy, gate: Gate): Promise<void> {
    const c = this.#c;
    await waitHealthy(
      {
        runner: c.runner,
        root: c.root,
        logger: c.logger,
        signal: c.signal,
        onStart: (deadline) => void this.publish(d, gate, "checking", deadline),
      },
      d,
      policy,
    );
    if (gate.canary) await canaryHealthy(c.store, c.hostId, d);
    void this.publish(d, gate, "healthy");
  }
}
