/**
 * The single source of live status for every browser and the notifier: ONE set of store
 * watches (`/hosts` for the cluster version, one per `/hosts/<id>` for each host's report), no
 * matter how many clients listen. Each watch event (and a slow tick, for what watches do not
 * report: a host node appearing, a role lock's queue moving) re-reads the status document with
 * {@linkcode readStatusDocument} — the very function `status --json` uses — and hands it to
 * every subscriber when it changed. Re-reads are coalesced: a burst of changes is one read.
 *
 * The same reads give the history document ({@linkcode readHistoryDocument}, what
 * `history --json` prints), followed by two more watches of the same set: `/rollouts` (the pin)
 * and the newest record (a rollback or resume recorded on it); a host's outcome is written with
 * its host node's report, so the host watches (and the tick) see it.
 *
 * @module
 */
import type { Store } from "../../store/types.ts";
import { HOSTS_PATH } from "../../cluster/mod.ts";
import { joinPath } from "../../tree/model.ts";
import { readStatusDocument, type StatusDocument } from "../status_document.ts";
import { message } from "../../error_message.ts";
import { recordPath, ROLLOUTS_PATH } from "../../cluster/mod.ts";
import { type HistoryDocument, readHistoryDocument } from "../history_document.ts";

/** One reading of the cluster. */
export interface StatusSnapshot {
  /** The status document (what `/api/status` answers). */
  document: StatusDocument;
  /** The `/hosts` node's data version when it was read (null: no `/hosts`): names a version set. */
  hostsVersion: number | null;
  /** The document as JSON text (sent as is to every browser). */
  json: string;
  /** Counts the snapshots of this feed, from 1. */
  seq: number;
  /** The history document (what `/api/history` answers). */
  history: HistoryDocument;
  /** The history document as JSON text. */
  historyJson: string;
}

/** Options of {@linkcode StatusFeed}. */
export interface StatusFeedOptions {
  /** How often the document is read even without a watch event, ms (default 1000). */
  tickMs?: number;
  /** Where read failures go (default: standard error). */
  warn?: (text: string) => void;
}

/** The live status of one store, shared by every subscriber. */
export class StatusFeed {
  readonly #store: Store;
  readonly #tickMs: number;
  readonly #warn: (text: string) => void;
  readonly #subscribers = new Set<(snapshot: StatusSnapshot) => void>();
  readonly #hostWatches = new Map<string, () => void>();
  #stopHosts: (() => void) | undefined;
  #stopRollouts: (() => void) | undefined;
  #newestRecord: { id: string; stop: () => void } | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #current: StatusSnapshot | undefined;
  #reading: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  #seq = 0;

  /** A feed on `store` (call {@linkcode start}). */
  constructor(store: Store, options: StatusFeedOptions = {}) {
    this.#store = store;
    this.#tickMs = options.tickMs ?? 1000;
    this.#warn = options.warn ?? ((text) => console.error(text));
  }

  /** Starts watching; resolves once the first snapshot is read. */
  async start(): Promise<void> {
    this.#stopHosts = this.#store.watch(HOSTS_PATH, () => this.refresh(), { dataOnly: true });
    this.#stopRollouts = this.#store.watch(ROLLOUTS_PATH, () => this.refresh(), {
      dataOnly: true,
    });
    this.#timer = setInterval(() => this.refresh(), this.#tickMs);
    await this.refresh();
  }

  /** The latest snapshot (undefined before the first read). */
  get current(): StatusSnapshot | undefined {
    return this.#current;
  }

  /** How many store watches the feed holds (`/hosts`, one per host, `/rollouts`, its newest). */
  get watchCount(): number {
    return (this.#stopHosts ? 1 : 0) + this.#hostWatches.size + (this.#stopRollouts ? 1 : 0) +
      (this.#newestRecord ? 1 : 0);
  }

  /** How many subscribers (event streams, the notifier) follow the feed. */
  get subscribers(): number {
    return this.#subscribers.size;
  }

  /** Calls `fn` with every new snapshot (and at once with the current one); returns unsubscribe. */
  subscribe(fn: (snapshot: StatusSnapshot) => void): () => void {
    this.#subscribers.add(fn);
    if (this.#current) fn(this.#current);
    return () => this.#subscribers.delete(fn);
  }

  /** Reads the document again (coalesced with a read in flight); resolves when read. */
  refresh(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#reading) {
      this.#again = true;
      return this.#reading;
    }
    this.#reading = (async () => {
      do {
        this.#again = false;
        try {
          await this.#read();
        } catch (error) {
          this.#warn(`serve: reading the status failed: ${message(error)}`);
        }
      } while (this.#again && !this.#stopped);
    })().finally(() => this.#reading = undefined);
    return this.#reading;
  }

  /** Stops every watch and the tick. */
  stop(): void {
    this.#stopped = true;
    this.#stopHosts?.();
    this.#stopHosts = undefined;
    this.#stopRollouts?.();
    this.#stopRollouts = undefined;
    this.#newestRecord?.stop();
    this.#newestRecord = undefined;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    for (const stop of this.#hostWatches.values()) stop();
    this.#hostWatches.clear();
    this.#subscribers.clear();
  }

  async #read(): Promise<void> {
    // The /hosts data version before and after the read: equal, the document is of that version.
    for (let attempt = 0;; attempt++) {
      const before = await this.#store.get(HOSTS_PATH, { dataOnly: true });
      const [document, history] = await Promise.all([
        readStatusDocument(this.#store),
        readHistoryDocument(this.#store),
      ]);
      const after = await this.#store.get(HOSTS_PATH, { dataOnly: true });
      if (before?.version !== after?.version && attempt < 5) continue;
      if (this.#stopped) return;
      this.#followHosts(document.hosts.map((h) => h.id));
      this.#followNewest(history.records[0]?.id as string | undefined);
      const json = JSON.stringify(document);
      const historyJson = JSON.stringify(history);
      if (json === this.#current?.json && historyJson === this.#current?.historyJson) return;
      const hostsVersion = after?.version ?? null;
      const snapshot = { document, hostsVersion, json, seq: ++this.#seq, history, historyJson };
      this.#current = snapshot;
      for (const fn of this.#subscribers) {
        try {
          fn(snapshot);
        } catch (error) {
          this.#warn(`serve: a status subscriber failed: ${message(error)}`);
        }
      }
      return;
    }
  }

  /** Keeps one watch on the newest record's node. */
  #followNewest(id: string | undefined): void {
    if (this.#newestRecord?.id === id) return;
    this.#newestRecord?.stop();
    this.#newestRecord = undefined;
    if (id === undefined) return;
    let first = true;
    const stop = this.#store.watch(recordPath(id), () => {
      if (first) first = false;
      else void this.refresh();
    }, { dataOnly: true });
    this.#newestRecord = { id, stop };
  }

  /** Keeps one watch per host node listed. */
  #followHosts(ids: readonly string[]): void {
    const wanted = new Set(ids);
    for (const [id, stop] of this.#hostWatches) {
      if (!wanted.has(id)) {
        stop();
        this.#hostWatches.delete(id);
      }
    }
    for (const id of wanted) {
      if (this.#hostWatches.has(id)) continue;
      let first = true;
      const stop = this.#store.watch(joinPath(HOSTS_PATH, id), () => {
        if (first) first = false; // the watch's first report is what was just read
        else void this.refresh();
      }, { dataOnly: true });
      this.#hostWatches.set(id, stop);
    }
  }
}

/** How long a browser waits before reconnecting after the stream broke, ms (SSE `retry:`). */
export const SSE_RETRY_MS = 1000;
/** How often an idle stream gets a comment line (keeps proxies from closing it), ms. */
const SSE_KEEPALIVE_MS = 15_000;

/**
 * A server-sent events stream of `feed`: `event: status` with the status document as `data:`
 * now and after every change of it, and `event: history` with the history document likewise.
 * Every stream subscribes to the same feed (no store watch of its own).
 */
export function eventStream(feed: StatusFeed, closing?: AbortSignal): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let unsubscribe: (() => void) | undefined;
  let keepalive: ReturnType<typeof setInterval> | undefined;
  let onClosing: (() => void) | undefined;
  const close = () => {
    unsubscribe?.();
    if (keepalive !== undefined) clearInterval(keepalive);
    if (onClosing) closing?.removeEventListener("abort", onClosing);
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string) => {
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          close(); // the client went away
        }
      };
      send(`retry: ${SSE_RETRY_MS}\n\n`);
      let sent: StatusSnapshot | undefined;
      unsubscribe = feed.subscribe((snapshot) => {
        if (snapshot.json !== sent?.json) {
          send(`id: ${snapshot.seq}\nevent: status\ndata: ${snapshot.json}\n\n`);
        }
        if (snapshot.historyJson !== sent?.historyJson) {
          send(`id: ${snapshot.seq}\nevent: history\ndata: ${snapshot.historyJson}\n\n`);
        }
        sent = snapshot;
      });
      keepalive = setInterval(() => send(": keepalive\n\n"), SSE_KEEPALIVE_MS);
      // The server stopping ends every stream (the browsers reconnect to the next server).
      onClosing = () => {
        close();
        try {
          controller.close();
        } catch { /* already closed */ }
      };
      if (closing?.aborted) onClosing();
      else closing?.addEventListener("abort", onClosing);
    },
    cancel: close,
  });
}
