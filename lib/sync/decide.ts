/**
 * Sync's go/no-go rule, pure: from the commit, the cluster version and the hosts' versions,
 * whether a sync stops (ALL STOP), has nothing to do, must wait for a host, or resyncs.
 * `sync` acts on it and `plan` reports it, so the two cannot disagree.
 *
 * @module
 */
import type { Value } from "../tree/model.ts";
import { sameVersion } from "../cluster/mod.ts";

/** One host's reported version. */
export interface HostVersion {
  /** Host id. */
  id: string;
  /** The version its node reports (undefined when it has none). */
  version: Value | undefined;
}

/** What sync does. */
export type SyncDecision =
  | { kind: "all-stop" }
  | { kind: "up-to-date" }
  | { kind: "not-converged"; host: HostVersion }
  | { kind: "resync" };

/**
 * Decides. `clusterVersion` is undefined when there is no `/hosts` yet; `hosts` in the order to
 * report them (the first lagging one is named). A cluster version of None stops sync; False
 * lets it run without waiting for hosts, as does `force`.
 */
export function decideSync(
  commit: string,
  clusterVersion: Value | undefined,
  hosts: readonly HostVersion[],
  force = false,
): SyncDecision {
  if (clusterVersion === null) return { kind: "all-stop" };
  if (sameVersion(commit, clusterVersion)) return { kind: "up-to-date" };
  if (!force && clusterVersion !== undefined && clusterVersion !== false) {
    const lagging = hosts.find((h) => !sameVersion(h.version, clusterVersion));
    if (lagging !== undefined) return { kind: "not-converged", host: lagging };
  }
  return { kind: "resync" };
}
