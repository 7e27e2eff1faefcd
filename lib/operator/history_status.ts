/**
 * What `status` shows of the rollout history: the pin, and the current rollout's record
 * (version, when, by, subject, state).
 *
 * @module
 */
import type { Store } from "../store/types.ts";
import type { Pin } from "../cluster/mod.ts";
import { readHistory, type RolloutState } from "./history_read.ts";
import { type FleetStatus } from "./fleet_status.ts";

/** The current rollout and the pin. */
export interface HistoryStatus {
  /** The pin, when the cluster is pinned. */
  pin: Pin | null;
  /** The newest record, when there is one that decodes. */
  current: {
    id: string;
    version: string;
    syncedAt: string;
    by: string;
    subject: string;
    author: string;
    state: RolloutState;
  } | null;
}

/** Reads it: the pin and the newest record only (`fleet`: the fleet as just read, when it is). */
export async function readHistoryStatus(store: Store, fleet?: FleetStatus): Promise<HistoryStatus> {
  const history = await readHistory(store, { newest: 1, fleet });
  const newest = history.entries[0];
  const r = newest?.record;
  return {
    pin: history.pin,
    current: r === undefined ? null : {
      id: newest.id,
      version: r.version,
      syncedAt: r.syncedAt,
      by: r.by,
      subject: r.subject,
      author: r.author,
      state: newest.state,
    },
  };
}

/** Its lines for `status`. */
export function formatHistoryStatus(status: HistoryStatus): string[] {
  const lines: string[] = [];
  const c = status.current;
  if (c !== null) {
    lines.push(
      `rollout ${c.id}: ${c.version} at ${c.syncedAt} by ${c.by} (${c.state}): ${c.subject}`,
    );
  }
  const p = status.pin;
  if (p !== null) {
    lines.push(
      `PINNED to ${p.version} by ${p.by} at ${p.at} (rollback from ${String(p.from)}): sync ` +
        "will not run until `clusterdeploy unpin`",
    );
  }
  return lines;
}
