/**
 * `serve`'s fan-out: 100 event-stream clients on one server, a host change in a real ZooKeeper
 * reaches every one of them, and the server holds one watch set for all of them (one for
 * `/hosts`, one for `/rollouts`, one per host: the same count with 100 clients as with none). The time it takes is
 * measured by bench/serve_sse_bench.ts.
 *
 * Covers: lib/operator/serve/status_feed.ts, lib/operator/serve/server.ts.
 */
import { equal } from "node:assert/strict";
import { connectZooKeeper } from "../../../lib/store/zookeeper/mod.ts";
import { encodeProperties } from "../../../lib/tree/codec.ts";
import { StatusFeed } from "../../../lib/operator/serve/status_feed.ts";
import { makeHandler } from "../../../lib/operator/serve/server.ts";
import { connectSse, WatchCountingStore } from "../../support/harness/sse_clients.ts";
import { waitFor } from "../../support/harness/wait.ts";
import { startZooKeeper } from "../../support/servers/zookeeper.ts";

const CLIENTS = 100;
const HOSTS = 3;
/** `/hosts` and `/rollouts` (no record yet: no watch of the newest). */
const WATCHED = 2;

Deno.test({
  name: "serve fan-out: 100 SSE clients get a host change, the server holds one watch set",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const zk = await startZooKeeper();
    const writer = await connectZooKeeper(zk.connect);
    const store = new WatchCountingStore(await connectZooKeeper(zk.connect));
    await writer.create("/hosts", encodeProperties({ version: "v1" }));
    for (let i = 0; i < HOSTS; i++) {
      await writer.create(`/hosts/h${i}`, encodeProperties({ name: `h${i}`, version: "v1" }));
    }
    const feed = new StatusFeed(store);
    await feed.start();
    const closing = new AbortController();
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      makeHandler({ store, feed, closing: closing.signal }),
    );
    try {
      equal(store.count, WATCHED + HOSTS);
      const url = `http://127.0.0.1:${server.addr.port}/api/events`;
      const clients = await Promise.all(Array.from({ length: CLIENTS }, () => connectSse(url)));
      await waitFor("every client's first document", () => clients.every((c) => c.last));
      equal(store.count, WATCHED + HOSTS, "one watch set for every client");

      await writer.set("/hosts/h1", encodeProperties({ name: "h1", version: "v2" }));
      const atV2 = (c: { last?: Record<string, unknown> }) =>
        (c.last?.hosts as { id: string; version: unknown }[]).find((h) => h.id === "h1")
          ?.version === "v2";
      await waitFor("every client to see h1 at v2", () => clients.every(atV2));
      equal(store.count, WATCHED + HOSTS, "still one watch set");

      // A host joins: the feed watches it too, still one watch per host.
      await writer.create("/hosts/h9", encodeProperties({ name: "h9", version: "v1" }));
      await waitFor(
        "every client to see h9",
        () => clients.every((c) => (c.last?.hosts as unknown[]).length === HOSTS + 1),
      );
      equal(store.count, WATCHED + HOSTS + 1);
      for (const c of clients) c.close();
      await waitFor("the streams to end", () => feed.subscribers === 0);
      equal(store.count, WATCHED + HOSTS + 1, "the watches do not depend on the clients");
    } finally {
      closing.abort();
      await server.shutdown();
      feed.stop();
      equal(store.count, 0, "stop() leaves no watch");
      await store.close();
      await writer.close();
      await zk.close();
    }
  },
});
