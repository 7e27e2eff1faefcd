/**
 * The rollout history's data, pure: a rollout record (`/rollouts/<name>`, written by sync in the
 * same transaction as the version bump), a host's outcome for it (`/rollouts/<name>/<host id>`,
 * written once by the agent that deployed it), the pin (`/rollouts`' own data, written by
 * `rollback`) — how each is encoded, decoded and validated. A record's name is the data version
 * `/hosts` has after its bump, zero-padded to 10 digits: sequential, and known to an agent from
 * the `/hosts` it watches without another read.
 *
 * @module
 */
import type { Value } from "../tree/model.ts";
import { ROLLOUTS_PATH } from "./reserved.ts";

/** How many changed paths a record keeps (the count is kept whole). */
export const MAX_RECORD_PATHS = 200;

/** The longest changed path kept in a record (longer ones are cut, marked with `…`). */
const MAX_PATH_CHARS = 512;

/** The longest text field kept (subject, author, error). */
const MAX_TEXT_CHARS = 2000;

/** Marks our records' data. */
const RECORD_FORMAT = "clusterdeploy-rollout/1";
const OUTCOME_FORMAT = "clusterdeploy-outcome/1";
const PIN_FORMAT = "clusterdeploy-pin/1";

/** Something recorded on a record after its bump: a resume or a rollback away from it. */
export interface RecordEvent {
  /** `resume` (the cluster version set by `clusterdeploy resume`) or `rollback`. */
  what: "resume" | "rollback";
  /** Who (`user@host`). */
  by: string;
  /** When (ISO 8601). */
  at: string;
  /** The version set (resume) or rolled back to (rollback). */
  to: Value;
}

/** The commit a rollout deployed, as git tells it. */
export interface CommitInfo {
  /** The subject line. */
  subject: string;
  /** `Name <email>`. */
  author: string;
  /** The commit time (ISO 8601). */
  committedAt: string;
}

/** One rollout: a version bump by sync (or rollback). */
export interface RolloutRecord extends CommitInfo {
  /** The version set (the commit id). */
  version: string;
  /** The cluster version before (null for None, undefined-as-null for a first sync). */
  previous: Value;
  /** When the sync ran (ISO 8601). */
  syncedAt: string;
  /** Who ran it (`user@host`). */
  by: string;
  /** How many nodes changed. */
  changes: number;
  /** The first {@linkcode MAX_RECORD_PATHS} changed paths. */
  paths: string[];
  /** How many hosts were registered at the bump. */
  hosts: number;
  /** Set when this rollout was a rollback: the version it rolled back from. */
  rollbackFrom?: Value;
  /** What happened to it afterwards (resume, rollback away from it), oldest first. */
  events: RecordEvent[];
}

/** How a host's deployment of a rollout ended. */
export type OutcomeResult = "done" | "failed" | "abandoned";

/** One host's outcome for a rollout. */
export interface HostOutcome {
  /** The host's name. */
  name: string;
  /** When it started deploying (ISO 8601). */
  started: string;
  /** When it finished (ISO 8601). */
  finished: string;
  /** How it ended. */
  result: OutcomeResult;
  /** The error when it failed (as its host node's `error`). */
  error?: string;
  /** How many commands it ran. */
  commands: number;
  /** Whether this host set the cluster version to None (ALL STOP). */
  allStop?: boolean;
}

/** A pin: the cluster stays at `version` until `clusterdeploy unpin`. */
export interface Pin {
  /** The version pinned to. */
  version: string;
  /** Who pinned it (`user@host`). */
  by: string;
  /** When (ISO 8601). */
  at: string;
  /** The version rolled back from. */
  from: Value;
}

/** A record's name for the data version `/hosts` has after its bump. */
export function recordName(hostsStat: number): string {
  return String(hostsStat).padStart(10, "0");
}

/** The `/rollouts` child path of record `name`. */
export function recordPath(name: string): string {
  return `${ROLLOUTS_PATH}/${name}`;
}

/** Whether `name` is a record's name (10 digits). */
export function isRecordName(name: string): boolean {
  return /^\d{10}$/.test(name);
}

/** Cuts `text` to `max` characters (`…` at the end when cut). */
function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A record's paths, capped: the first {@linkcode MAX_RECORD_PATHS}, each cut to a bounded size. */
export function capPaths(paths: readonly string[]): string[] {
  return paths.slice(0, MAX_RECORD_PATHS).map((p) => cut(p, MAX_PATH_CHARS));
}

/** Encodes a record as node data. */
export function encodeRecord(record: RolloutRecord): string {
  return JSON.stringify({
    format: RECORD_FORMAT,
    ...record,
    subject: cut(record.subject, MAX_TEXT_CHARS),
    author: cut(record.author, MAX_TEXT_CHARS),
    paths: capPaths(record.paths),
  });
}

/** Encodes an outcome as node data. */
export function encodeOutcome(outcome: HostOutcome): string {
  const error = outcome.error === undefined ? {} : { error: cut(outcome.error, MAX_TEXT_CHARS) };
  return JSON.stringify({ format: OUTCOME_FORMAT, ...outcome, ...error });
}

/** Encodes a pin as `/rollouts`' data (no pin: empty data). */
export function encodePin(pin: Pin | null): string {
  return pin === null ? "" : JSON.stringify({ format: PIN_FORMAT, ...pin });
}

/** What a decode gives: the value, or what is wrong with the data. */
export type Decoded<T> = { ok: true; value: T } | { ok: false; problem: string };

function parseObject(data: string, format: string): Record<string, unknown> | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return "not JSON";
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return "not a JSON object";
  }
  const object = parsed as Record<string, unknown>;
  if (object.format !== format) return `format is not ${format}`;
  return object;
}

const isText = (v: unknown): v is string => typeof v === "string";
const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const isVersion = (v: unknown): v is Value =>
  v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean";

/** The first field of `object` that fails its check, as a problem; undefined when all pass. */
function badField(
  object: Record<string, unknown>,
  checks: Record<string, (v: unknown) => boolean>,
): string | undefined {
  for (const [field, check] of Object.entries(checks)) {
    if (!check(object[field])) return `field ${field} is missing or invalid`;
  }
  return undefined;
}

function isEvent(v: unknown): v is RecordEvent {
  if (typeof v !== "object" || v === null) return false;
  const e = v as Record<string, unknown>;
  return (e.what === "resume" || e.what === "rollback") && isText(e.by) && isText(e.at) &&
    isVersion(e.to);
}

/** Decodes and validates a record's data. */
export function decodeRecord(data: string): Decoded<RolloutRecord> {
  const object = parseObject(data, RECORD_FORMAT);
  if (typeof object === "string") return { ok: false, problem: object };
  const problem = badField(object, {
    version: isText,
    subject: isText,
    author: isText,
    committedAt: isText,
    previous: isVersion,
    syncedAt: isText,
    by: isText,
    changes: isCount,
    paths: (v) => Array.isArray(v) && v.length <= MAX_RECORD_PATHS && v.every(isText),
    hosts: isCount,
    rollbackFrom: (v) => v === undefined || isVersion(v),
    events: (v) => Array.isArray(v) && v.every(isEvent),
  });
  if (problem !== undefined) return { ok: false, problem };
  const { format: _, ...record } = object;
  return { ok: true, value: record as unknown as RolloutRecord };
}

/** Decodes and validates an outcome's data. */
export function decodeOutcome(data: string): Decoded<HostOutcome> {
  const object = parseObject(data, OUTCOME_FORMAT);
  if (typeof object === "string") return { ok: false, problem: object };
  const problem = badField(object, {
    name: isText,
    started: isText,
    finished: isText,
    result: (v) => v === "done" || v === "failed" || v === "abandoned",
    error: (v) => v === undefined || isText(v),
    commands: isCount,
    allStop: (v) => v === undefined || typeof v === "boolean",
  });
  if (problem !== undefined) return { ok: false, problem };
  const { format: _, ...outcome } = object;
  return { ok: true, value: outcome as unknown as HostOutcome };
}

/** Decodes `/rollouts`' data: the pin, null when none. */
export function decodePin(data: string): Decoded<Pin | null> {
  if (data === "") return { ok: true, value: null };
  const object = parseObject(data, PIN_FORMAT);
  if (typeof object === "string") return { ok: false, problem: object };
  const problem = badField(object, { version: isText, by: isText, at: isText, from: isVersion });
  if (problem !== undefined) return { ok: false, problem };
  const { format: _, ...pin } = object;
  return { ok: true, value: pin as unknown as Pin };
}

/**
 * Who runs this process: `user@host` (`$USER` or `$LOGNAME`, and the host name); `unknown` for
 * a part this process may not read (the sync binary has no `--allow-sys`).
 */
export function whoAmI(): string {
  const attempt = (read: () => string | undefined) => {
    try {
      return read();
    } catch {
      return undefined; // not permitted
    }
  };
  const user = attempt(() => Deno.env.get("USER") ?? Deno.env.get("LOGNAME")) ?? "unknown";
  const host = attempt(() => Deno.hostname()) ?? "unknown";
  const clean = (text: string) => text.replace(/[^\w.-]/g, "?").slice(0, 100);
  return `${clean(user)}@${clean(host)}`;
}
