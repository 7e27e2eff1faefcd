/**
 * The status document: what `status --json` prints and what `serve`'s `/api/status` answers,
 * built by ONE function so the two never drift apart.
 *
 * @module
 */
import type { Store } from "../store/types.ts";
import type { Value } from "../tree/model.ts";
import { type FleetStatus, readFleetStatus } from "./fleet_status.ts";
import { readRoleLocks, type RoleLockStatus } from "./role_locks_status.ts";
import { type HistoryStatus, readHistoryStatus } from "./history_status.ts";

/**
 * The status document: the fleet status, the version as JSON (`null` when absent), role locks,
 * the pin and the current rollout's record.
 */
export interface StatusDocument extends Omit<FleetStatus, "version">, HistoryStatus {
  /** Cluster version (`null` when none yet, or None: see `state`). */
  version: Value | null;
  /** Every role lock with its queue. */
  roleLocks: RoleLockStatus[];
}

/** The document for a fleet status, its role locks and its rollout history's present. */
export function statusDocument(
  status: FleetStatus,
  roleLocks: RoleLockStatus[],
  rollout: HistoryStatus,
): StatusDocument {
  return { ...status, version: status.version ?? null, roleLocks, ...rollout };
}

/** Reads the status document from `store`. */
export async function readStatusDocument(store: Store): Promise<StatusDocument> {
  const [status, roleLocks] = await Promise.all([readFleetStatus(store), readRoleLocks(store)]);
  return statusDocument(status, roleLocks, await readHistoryStatus(store, status));
}
