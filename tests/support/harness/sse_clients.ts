/**
 * Many server-sent-events clients for `serve`'s fan-out test and bench: each reads
 * `/api/events` as a stream and keeps the last `status` document it got; and a store that
 * counts the watches held through it; and a `serve` server on a real ZooKeeper for them.
 *
 * @module
 */
import { DelegatingStore } from "../../../lib/store/delegating.ts";
import type { Store, StoredNode, WatchOptions } from "../../../lib/store/types.ts";
import { connectZooKeeper } from "../../../lib/store/zookeeper/mod.ts";
import { encodeProperties } from "../../../lib/tree/codec.ts";
import { StatusFeed } from "../../../lib/operator/serve/status_feed.ts";
import { makeHandler } from "../../../lib/operator/serve/server.ts";
import { startZooKeeper } from "../servers/zookeeper.ts";

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

/** One `serve` server on a real ZooKeeper of `hosts` hosts, for the fan-out test and bench. */
export interface FanoutServer {
  /** A second client, for the changes the test or bench makes. */
  writer: Store;
  /** The server's store, counting its watches. */
  store: WatchCountingStore;
  /** The server's one status feed. */
  feed: StatusFeed;
  /** The event stream's URL. */
  url: string;
  /** Stops serving (the server and its feed); the stores stay open. */
  stopServing(): Promise<void>;
  /** Stops serving, closes both stores and removes the ZooKeeper server. */
  close(): Promise<void>;
}

/** Starts ZooKeeper with `/hosts` at `version` and hosts `h0`…, and `serve`'s handler on it. */
export async function startFanoutServer(hosts: number, version: string): Promise<FanoutServer> {
  const zk = await startZooKeeper();
  const writer = await connectZooKeeper(zk.connect);
  const store = new WatchCountingStore(await connectZooKeeper(zk.connect));
  await writer.create("/hosts", encodeProperties({ version }));
  for (let i = 0; i < hosts; i++) {
    await writer.create(`/hosts/h${i}`, encodeProperties({ name: `h${i}`, version }));
  }
  const feed = new StatusFeed(store);
  await feed.start();
  const closing = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    makeHandler({ store, feed, closing: closing.signal }),
  );
  let stopped: Promise<void> | undefined;
  const stopServing = () =>
    stopped ??= (async () => {
      closing.abort();
      await server.shutdown();
      feed.stop();
    })();
  return {
    writer,
    store,
    feed,
    url: `http://127.0.0.1:${server.addr.port}/api/events`,
    stopServing,
    close: async () => {
      await stopServing();
      await store.close();
      await writer.close();
      await zk.close();
    },
  };
}
