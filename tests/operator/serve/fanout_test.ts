/**
 * `serve`'s fan-out: 100 event-stream clients on one server, a host change in a real ZooKeeper
 * reaches every one of them, and the server holds one watch set for all of them (one for
 * `/hosts`, one for `/rollouts`, one per host: the same count with 100 clients as with none). The time it takes is
 * measured by bench/serve_sse_bench.ts.
 *
 * Covers: lib/operator/serve/status_feed.ts, lib/operator/serve/server.ts.
 */
import { equal } from "node:assert/strict";
import { connectSse, startFanoutServer } from "../../support/harness/sse_clients.ts";
import { encodeProperties } from "../../../lib/tree/codec.ts";
import { waitFor } from "../../support/harness/wait.ts";

const CLIENTS = 100;
const HOSTS = 3;
/** `/hosts` and `/rollouts` (no record yet: no watch of the newest). */
const WATCHED = 2;

Deno.test({
  name: "serve fan-out: 100 SSE clients get a host change, the server holds one watch set",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { writer, store, feed, url, stopServing, close } = await startFanoutServer(HOSTS, "v1");
    try {
      equal(store.count, WATCHED + HOSTS);
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
      await stopServing();
      equal(store.count, 0, "stop() leaves no watch");
      await close();
    }
  },
});
