/**
 * The history as JSON: what `history --json` and `history show VERSION --json` print and what
 * `serve`'s `/api/history` and `/api/history/<id>` answer, built by ONE set of functions so the
 * CLI and the server never drift apart.
 *
 * @module
 */
import type { Store } from "../store/types.ts";
import type { Pin } from "../cluster/mod.ts";
import { findEntry, type History, type HistoryEntry, readHistory } from "./history_read.ts";

/** How many records `history --json` (and `/api/history`) lists by default. */
export const DEFAULT_HISTORY_LIMIT = 20;

/** The history document (`history --json`). */
export interface HistoryDocument {
  /** The pin, when the cluster is pinned. */
  pin: Pin | null;
  /** What is wrong with `/rollouts`' data, or null. */
  pinProblem: string | null;
  /** Children of `/rollouts` that are not records. */
  foreign: string[];
  /** The newest records, newest first, as {@linkcode entryJson} gives them. */
  records: Record<string, unknown>[];
}

/** An entry as JSON (`history show VERSION --json`). */
export function entryJson(e: HistoryEntry): Record<string, unknown> {
  return {
    id: e.id,
    state: e.state,
    ...(e.record === undefined ? { problem: e.problem } : { ...e.record }),
    hosts: e.hosts,
    durationMs: e.durationMs ?? null,
    outcomes: e.outcomes.map((o) => ({ host: o.host, ...(o.outcome ?? { problem: o.problem }) })),
  };
}

/** The document of a history read, its newest `limit` records. */
export function historyDocument(
  history: History,
  limit = DEFAULT_HISTORY_LIMIT,
): HistoryDocument {
  return {
    pin: history.pin,
    pinProblem: history.pinProblem ?? null,
    foreign: history.foreign,
    records: history.entries.slice(0, limit).map(entryJson),
  };
}

/** Reads the history document from `store`. */
export async function readHistoryDocument(
  store: Store,
  limit = DEFAULT_HISTORY_LIMIT,
): Promise<HistoryDocument> {
  return historyDocument(await readHistory(store), limit);
}

/** What {@linkcode readHistoryEntryDocument} found. */
export type EntryLookup =
  | { found: Record<string, unknown> }
  | { none: string }
  | { ambiguous: string };

/**
 * The entry `text` names (a record id or a commit prefix, see {@linkcode findEntry}) as JSON,
 * or why there is none. A store failing throws.
 */
export async function readHistoryEntryDocument(store: Store, text: string): Promise<EntryLookup> {
  const history = await readHistory(store);
  let entry;
  try {
    entry = findEntry(history, text);
  } catch (error) {
    return { ambiguous: (error as Error).message };
  }
  return entry === undefined
    ? { none: `no rollout record for '${text}'` }
    : { found: entryJson(entry) };
}
