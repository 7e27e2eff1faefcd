/**
 * The rollout history as the operator reads it: every record under `/rollouts` with its hosts'
 * outcomes (three pipelined reads), the pin, and each record's state — converged, stopped,
 * superseded, rolled back, or in progress for the newest. A damaged or foreign record or outcome
 * is kept as a problem (which node, what is wrong), never thrown.
 *
 * @module
 */
import type { Store } from "../store/types.ts";
import type { Value } from "../tree/model.ts";
import {
  decodeOutcome,
  decodePin,
  decodeRecord,
  type HostOutcome,
  isRecordName,
  type Pin,
  recordPath,
  ROLLOUTS_PATH,
  sameVersion,
} from "../cluster/mod.ts";
import { type FleetStatus, readFleetStatus } from "./fleet_status.ts";
import type { RolloutRecord } from "../cluster/mod.ts";

/** A record's state. */
export type RolloutState =
  | "converged"
  | "stopped"
  | "superseded"
  | "rolled back"
  | "in progress"
  | "damaged";

/** One host's outcome, or what is wrong with it. */
export interface OutcomeEntry {
  /** The host id (the node's name). */
  host: string;
  /** The outcome, when it decodes. */
  outcome?: HostOutcome;
  /** What is wrong with it. */
  problem?: string;
}

/** One record with its outcomes and state. */
export interface HistoryEntry {
  /** The record's name (its id). */
  id: string;
  /** The record, when it decodes. */
  record?: RolloutRecord;
  /** What is wrong with it. */
  problem?: string;
  /** The hosts' outcomes, by host id. */
  outcomes: OutcomeEntry[];
  /** Its state. */
  state: RolloutState;
  /** Hosts done, failed (or abandoned), and all hosts (registered at the bump, or reported). */
  hosts: { done: number; failed: number; total: number };
  /** From the sync to the last host's end, in ms (undefined: no host reported). */
  durationMs?: number;
}

/** The history. */
export interface History {
  /** Records, newest first. */
  entries: HistoryEntry[];
  /** The pin, when the cluster is pinned. */
  pin: Pin | null;
  /** What is wrong with `/rollouts`' data, when something is. */
  pinProblem?: string;
  /** Children of `/rollouts` that are not records (not named by 10 digits). */
  foreign: string[];
  /** The fleet now. */
  fleet: FleetStatus;
}

/** What {@linkcode readHistory} reads. */
export interface ReadHistoryOptions {
  /** Read only the newest this many records (default: all). */
  newest?: number;
  /** The fleet as the caller has just read it (default: read here). */
  fleet?: FleetStatus;
}

/**
 * Reads the history. A record's state depends only on itself, the newer records and the fleet,
 * so the newest records read alone are judged as in the whole history.
 */
export async function readHistory(
  store: Store,
  options: ReadHistoryOptions = {},
): Promise<History> {
  const [root, fleet] = await Promise.all([
    store.get(ROLLOUTS_PATH),
    options.fleet ?? readFleetStatus(store),
  ]);
  if (root === null) return { entries: [], pin: null, fleet, foreign: [] };
  const pin = decodePin(root.data);
  const names = root.children.filter(isRecordName).sort().reverse().slice(0, options.newest);
  const nodes = await store.getMany(names.map(recordPath));
  const outcomePaths = nodes.flatMap((node, i) =>
    (node?.children ?? []).map((host) => ({ i, host, path: `${recordPath(names[i])}/${host}` }))
  );
  const outcomeNodes = await store.getMany(outcomePaths.map((o) => o.path));
  const entries: HistoryEntry[] = [];
  nodes.forEach((node, i) => {
    if (node === null) return; // trimmed meanwhile
    const decoded = decodeRecord(node.data);
    const outcomes: OutcomeEntry[] = [];
    outcomePaths.forEach((o, j) => {
      if (o.i !== i || outcomeNodes[j] === null) return;
      const outcome = decodeOutcome(outcomeNodes[j]!.data);
      outcomes.push(
        outcome.ok
          ? { host: o.host, outcome: outcome.value }
          : { host: o.host, problem: outcome.problem },
      );
    });
    entries.push({
      id: names[i],
      ...(decoded.ok ? { record: decoded.value } : { problem: decoded.problem }),
      outcomes,
      state: "damaged",
      hosts: { done: 0, failed: 0, total: 0 },
    });
  });
  entries.forEach((entry, i) => judge(entry, i === 0 ? undefined : entries[i - 1], fleet));
  return {
    entries,
    pin: pin.ok ? pin.value : null,
    ...(pin.ok ? {} : { pinProblem: pin.problem }),
    fleet,
    foreign: root.children.filter((name) => !isRecordName(name)),
  };
}

/** Fills in `entry`'s counts and state; `newer` is the next record, undefined for the newest. */
function judge(entry: HistoryEntry, newer: HistoryEntry | undefined, fleet: FleetStatus): void {
  const record = entry.record;
  const outcomes = entry.outcomes.flatMap((o) => o.outcome === undefined ? [] : [o.outcome]);
  const done = outcomes.filter((o) => o.result === "done");
  const failed = outcomes.filter((o) => o.result !== "done");
  entry.hosts = {
    done: done.length,
    failed: failed.length,
    total: Math.max(record?.hosts ?? 0, entry.outcomes.length),
  };
  if (record === undefined) return;
  const ends = outcomes.map((o) => Date.parse(o.finished)).filter(Number.isFinite);
  if (ends.length > 0) entry.durationMs = Math.max(...ends) - Date.parse(record.syncedAt);
  if (record.events.some((e) => e.what === "rollback")) {
    entry.state = "rolled back";
  } else if (outcomes.some((o) => o.allStop) || failed.some((o) => o.result === "failed")) {
    entry.state = "stopped";
  } else if (newer === undefined) {
    entry.state = fleetState(record.version, fleet, failed.length);
  } else {
    const before = Date.parse(newer.record?.syncedAt ?? "");
    const intime = done.every((o) => !(Date.parse(o.finished) > before));
    const everyone = done.length >= Math.max(1, record.hosts);
    entry.state = failed.length === 0 && intime && everyone ? "converged" : "superseded";
  }
}

/** The newest record's state: from the fleet as it is now. */
function fleetState(version: Value, fleet: FleetStatus, failed: number): RolloutState {
  if (fleet.version === null) return "stopped";
  if (!sameVersion(fleet.version, version)) return "superseded"; // set by resume meanwhile
  // Host node errors are left out: a host whose deployment failed and that is back at this
  // version (after a rollback) keeps its error until it next deploys.
  const all = fleet.hosts.every((h) => h.converged);
  return all && failed === 0 ? "converged" : "in progress";
}

/**
 * The entry `text` names: a record id (its name) or a commit prefix (the newest record whose
 * version starts with it). Throws an Error naming what matched when a prefix is ambiguous.
 */
export function findEntry(history: History, text: string): HistoryEntry | undefined {
  const byId = history.entries.find((e) => e.id === text || e.id === text.padStart(10, "0"));
  if (byId !== undefined && /^\d+$/.test(text)) return byId;
  const matches = history.entries.filter((e) =>
    typeof e.record?.version === "string" && e.record.version.startsWith(text)
  );
  const versions = new Set(matches.map((e) => e.record!.version));
  if (versions.size > 1) {
    throw new Error(`'${text}' names more than one version: ${[...versions].join(", ")}`);
  }
  return matches[0] ?? byId;
}
