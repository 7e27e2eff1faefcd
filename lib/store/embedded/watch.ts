/**
 * The embedded store's watches: one timer polls the store's change counter (one indexed read);
 * only when it moved — or when a watched node is another owner's ephemeral, which vanishes when
 * that owner dies without any write — are the watched nodes read again and their changes
 * (existence, version, data, a re-created node) reported, as ZooKeeper's watches would.
 *
 * @module
 */
import type { StoredNode } from "../types.ts";

/** How often watches look at the store. */
export const POLL_MS = 100;

/** What a poll sees of one node. */
export interface WatchLook {
  /** The node, or null. */
  node: StoredNode | null;
  /** Changes whenever anything a watcher cares about changes. */
  signature: string;
  /** Another owner's ephemeral (it may vanish without a write). */
  foreign: boolean;
}

/** How the watches read the store; both may throw (the poll then reports nothing). */
export interface WatchSource {
  /** The change counter. */
  counter(): number;
  /** Looks at the nodes at `paths`, from one snapshot. */
  look(paths: readonly string[]): WatchLook[];
}

interface Watch {
  readonly path: string;
  readonly onChange: (node: StoredNode | null) => void;
  last?: string;
  foreign: boolean;
  stopped: boolean;
}

/** The watches of one store. */
export class LocalWatches {
  readonly #source: WatchSource;
  readonly #watches = new Set<Watch>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #seen = -1;

  /** Watches on `source`. */
  constructor(source: WatchSource) {
    this.#source = source;
  }

  /** Adds a watch; reports the current state at once. Returns the function that stops it. */
  add(path: string, onChange: (node: StoredNode | null) => void): () => void {
    const watch: Watch = { path, onChange, foreign: false, stopped: false };
    this.#watches.add(watch);
    this.#timer ??= setInterval(() => this.#poll(), POLL_MS);
    queueMicrotask(() => this.#report([watch]));
    return () => {
      watch.stopped = true;
      this.#watches.delete(watch);
      if (this.#watches.size === 0) this.#stopTimer();
    };
  }

  /** Stops every watch. */
  stopAll(): void {
    for (const watch of this.#watches) watch.stopped = true;
    this.#watches.clear();
    this.#stopTimer();
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #poll(): void {
    let counter: number;
    try {
      counter = this.#source.counter();
    } catch {
      return; // busy or closing: the next poll looks again
    }
    const all = [...this.#watches];
    if (counter === this.#seen && !all.some((watch) => watch.foreign)) return;
    if (this.#report(all)) this.#seen = counter;
  }

  /** Looks at `watches` and calls those whose node changed; false when the store could not be read. */
  #report(watches: Watch[]): boolean {
    const live = watches.filter((watch) => !watch.stopped);
    if (live.length === 0) return true;
    let looks: WatchLook[];
    try {
      looks = this.#source.look(live.map((watch) => watch.path));
    } catch (error) {
      console.error(`embedded store: watch ${live[0].path}:`, error);
      return false;
    }
    live.forEach((watch, i) => {
      const look = looks[i];
      watch.foreign = look.foreign;
      if (watch.stopped || look.signature === watch.last) return;
      watch.last = look.signature;
      try {
        watch.onChange(look.node);
      } catch (error) {
        console.error(`embedded store: watch callback for ${watch.path} threw:`, error);
      }
    });
    return true;
  }
}
