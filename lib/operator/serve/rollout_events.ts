/**
 * What is worth telling about a rollout, seen from consecutive status snapshots: the events
 * `serve --notify` sends. Each event has a key that every `serve` process of the cluster
 * computes alike (from the `/hosts` data version at which it happened), so the claim node
 * `/notifications/<key>` makes it sent once.
 *
 * | kind        | when                                                                   |
 * | ----------- | ---------------------------------------------------------------------- |
 * | `started`   | the cluster version was set to a new version (a sync bump)              |
 * | `all-stop`  | the cluster version became None (a host failed: its error is included)  |
 * | `converged` | every host reports the cluster version, none an error                   |
 * | `resumed`   | a stopped or paused cluster got a version again (`resume`)              |
 * | `rolled-back` | `clusterdeploy rollback` set an earlier version (instead of `started`) |
 * | `pinned`    | the cluster was pinned (by a rollback): `pin` says to what, by whom     |
 * | `unpinned`  | the pin was lifted (`clusterdeploy unpin`): `pin` is the one lifted     |
 *
 * A pin's events are keyed by the pin's time (`pin-<digits of its at>-pinned`): an unpin does
 * not change `/hosts`, and every process sees the same pin.
 *
 * The first snapshot a process sees is its baseline: nothing is told about it (a restarted
 * `serve` does not tell again what happened before it started).
 *
 * @module
 */
import type { Value } from "../../tree/model.ts";
import type { StatusSnapshot } from "./status_feed.ts";
import { type Pin, recordName } from "../../cluster/mod.ts";

/** The kinds of event. */
export type RolloutEventKind =
  | "started"
  | "all-stop"
  | "converged"
  | "resumed"
  | "rolled-back"
  | "pinned"
  | "unpinned";

/** One event, as CMD gets it on its standard input (one JSON document). */
export interface RolloutEvent {
  /** What happened. */
  kind: RolloutEventKind;
  /** The same in every `serve` process: `<hosts data version, 10 digits>-<kind>`. */
  key: string;
  /** The cluster version now (null: None). */
  version: Value | null;
  /** The version being rolled out when the cluster stopped (for `all-stop`), else as `version`. */
  rolloutVersion: Value | null;
  /** The cluster version before (for `started` and `resumed`), if seen. */
  previousVersion?: Value | null;
  /** The failed hosts, with their errors (for `all-stop`). */
  failedHosts?: { id: string; name: string | null; error: string }[];
  /** The pin set (`pinned`) or lifted (`unpinned`). */
  pin?: Pin;
  /** The version a rollback rolled back from (`rolled-back`). */
  rollbackFrom?: Value | null;
  /** How many hosts report. */
  hosts: number;
  /** When this process saw it (ISO 8601). */
  at: string;
}

/** How long ALL STOP waits for the failing host's error to show before it is told without. */
export const ERROR_GRACE_MS = 3000;

/** Turns snapshots into events (one instance per process; see the module doc). */
export class RolloutEvents {
  #baseline = true;
  #lastRunning: Value | null = null;
  #previous: StatusSnapshot | undefined;
  readonly #told = new Set<string>();
  #stoppedSince: number | undefined;

  /** The events `snapshot` brings (none for the first). `now` is the time, ms. */
  next(snapshot: StatusSnapshot, now: number = Date.now()): RolloutEvent[] {
    const doc = snapshot.document;
    const prev = this.#previous?.document;
    const hv = snapshot.hostsVersion ?? -1;
    const key = (kind: RolloutEventKind) => `${String(hv).padStart(10, "0")}-${kind}`;
    const out: RolloutEvent[] = [];
    const base = (kind: RolloutEventKind, rolloutVersion: Value | null): RolloutEvent => ({
      kind,
      key: key(kind),
      version: doc.version,
      rolloutVersion,
      hosts: doc.hosts.length,
      at: new Date(now).toISOString(),
    });
    const tell = (event: RolloutEvent) => {
      if (this.#told.has(event.key)) return;
      this.#told.add(event.key);
      if (!this.#baseline) out.push(event);
    };
    const versionSet = this.#previous !== undefined && this.#previous.hostsVersion !== hv;

    if (doc.state === "running") {
      this.#stoppedSince = undefined;
      const newest = snapshot.history?.records[0];
      const rollback = newest !== undefined && newest.id === recordName(hv) &&
          newest.rollbackFrom !== undefined
        ? newest.rollbackFrom as Value | null
        : undefined;
      if (versionSet && prev !== undefined) {
        const resumed = prev.state === "stopped" || prev.state === "paused";
        const kind = rollback !== undefined ? "rolled-back" : resumed ? "resumed" : "started";
        tell({
          ...base(kind, doc.version),
          previousVersion: prev.version,
          ...(rollback !== undefined ? { rollbackFrom: rollback } : {}),
        });
      }
      const converged = doc.hosts.length > 0 &&
        doc.hosts.every((h) => h.converged && h.error === null);
      if (converged) tell(base("converged", doc.version));
      this.#lastRunning = doc.version;
    } else if (doc.state === "stopped") {
      this.#stoppedSince ??= now;
      const failed = doc.hosts.filter((h) => h.error !== null);
      if (this.#baseline || failed.length > 0 || now - this.#stoppedSince >= ERROR_GRACE_MS) {
        tell({
          ...base("all-stop", this.#lastRunning),
          failedHosts: failed.map((h) => ({ id: h.id, name: h.name, error: h.error! })),
        });
      }
    } else {
      this.#stoppedSince = undefined;
    }
    this.#pinEvents(doc.pin, prev?.pin, base, tell);
    this.#previous = snapshot;
    this.#baseline = false;
    // Keys only grow with the /hosts version: the oldest are never met again.
    while (this.#told.size > 1000) this.#told.delete(this.#told.values().next().value!);
    return out;
  }

  /** `pinned` when a pin appears, `unpinned` when it goes (keyed by the pin's time). */
  #pinEvents(
    pin: Pin | null,
    before: Pin | null | undefined,
    base: (kind: RolloutEventKind, rolloutVersion: Value | null) => RolloutEvent,
    tell: (event: RolloutEvent) => void,
  ): void {
    const pinKey = (p: Pin, kind: RolloutEventKind) =>
      `pin-${p.at.replace(/\D/g, "").slice(0, 20)}-${kind}`;
    if (before && (pin === null || pin.at !== before.at)) {
      tell({ ...base("unpinned", null), key: pinKey(before, "unpinned"), pin: before });
    }
    if (pin && (this.#baseline || before?.at !== pin.at)) {
      tell({ ...base("pinned", pin.version), key: pinKey(pin, "pinned"), pin });
    }
  }

  /** Whether an ALL STOP is waiting for its error (call {@linkcode next} again after the grace). */
  get waitingForError(): boolean {
    return this.#stoppedSince !== undefined && this.#previous?.document.state === "stopped" &&
      !this.#told.has(
        `${String(this.#previous.hostsVersion ?? -1).padStart(10, "0")}-all-stop`,
      );
  }
}
