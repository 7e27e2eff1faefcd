/**
 * Many server-sent-events clients for `serve`'s fan-out test and bench: each reads
 * `/api/events` as a stream and keeps the last `status` document it got; and a store that
 * counts the watches held through it.
 *
 * @module
 */
import { DelegatingStore } from "../../../lib/store/delegating.ts";
import type { StoredNode, WatchOptions } from "../../../lib/store/types.ts";

/** A store that counts the watches currently held through it. */
export class WatchCountingStore extends DelegatingStore {
  /** Watches held now, by path. */
  readonly held = new Map<string, number>();

  /** How many watches are held now. */
  get count(): number {
    return [...this.held.values()].reduce((a, b) => a + b, 0);
  }

  /** Counted. */
  override watch(
    path: string,
    onChange: (node: StoredNode | null) => void,
    options?: WatchOptions,
  ): () => void {
    this.held.set(path, (this.held.get(path) ?? 0) + 1);
    const stop = super.watch(path, onChange, options);
    let stopped = false;
    return () => {
      if (!stopped) this.held.set(path, this.held.get(path)! - 1);
      stopped = true;
      stop();
    };
  }
}

/** One event-stream client. */
export interface SseClient {
  /** The last status document received (parsed), or undefined. */
  last: Record<string, unknown> | undefined;
  /** When `last` was received (performance.now()). */
  at: number;
  /** Disconnects. */
  close(): void;
}

/** Connects to `url` (`…/api/events`) and follows it. */
export async function connectSse(url: string): Promise<SseClient> {
  const abort = new AbortController();
  const response = await fetch(url, { signal: abort.signal });
  if (!response.ok || response.body === null) throw new Error(`${url}: ${response.status}`);
  const client: SseClient = { last: undefined, at: 0, close: () => abort.abort() };
  (async () => {
    let buffer = "";
    try {
      for await (const chunk of response.body!.pipeThrough(new TextDecoderStream())) {
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = message.split("\n").filter((l) => l.startsWith("data: "));
          if (message.includes("event: status") && data.length > 0) {
            client.last = JSON.parse(data.map((l) => l.slice(6)).join("\n"));
            client.at = performance.now();
          }
        }
      }
    } catch { /* closed */ }
  })();
  return client;
}
