/**
 * How long a host change takes to reach 100 browsers through `serve`'s event stream: a real
 * ZooKeeper, one StatusFeed (one watch set) behind Deno.serve, 100 SSE clients; each round sets
 * one host's version and times until the last client has it. Prints the rounds' median and
 * maximum and the watches held; exits 1 when the maximum passes the 2 s.
 *
 * ```sh
 * deno task bench:serve [CLIENTS] [ROUNDS]
 * ```
 *
 * @module
 */
import { connectZooKeeper } from "../lib/store/zookeeper/mod.ts";
import { encodeProperties } from "../lib/tree/codec.ts";
import { StatusFeed } from "../lib/operator/serve/status_feed.ts";
import { makeHandler } from "../lib/operator/serve/server.ts";
import { connectSse, WatchCountingStore } from "../tests/support/harness/sse_clients.ts";
import { waitFor } from "../tests/support/harness/wait.ts";
import { startZooKeeper } from "../tests/support/servers/zookeeper.ts";
import { machine } from "./conditions.ts";

const CLIENTS = Number(Deno.args[0] ?? 100);
const ROUNDS = Number(Deno.args[1] ?? 10);
const HOSTS = 20;
const LIMIT_MS = 2000;

const zk = await startZooKeeper();
const writer = await connectZooKeeper(zk.connect);
const store = new WatchCountingStore(await connectZooKeeper(zk.connect));
await writer.create("/hosts", encodeProperties({ version: "v0" }));
for (let i = 0; i < HOSTS; i++) {
  await writer.create(`/hosts/h${i}`, encodeProperties({ name: `h${i}`, version: "v0" }));
}
const feed = new StatusFeed(store);
await feed.start();
const closing = new AbortController();
const server = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: () => {} },
  makeHandler({ store, feed, closing: closing.signal }),
);
const url = `http://127.0.0.1:${server.addr.port}/api/events`;
const clients = await Promise.all(Array.from({ length: CLIENTS }, () => connectSse(url)));
await waitFor("first documents", () => clients.every((c) => c.last));
const times: number[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  const host = `h${round % HOSTS}`;
  const version = `v${round}`;
  const start = performance.now();
  await writer.set(`/hosts/${host}`, encodeProperties({ name: host, version }));
  const has = (c: (typeof clients)[number]) =>
    (c.last?.hosts as { id: string; version: unknown }[]).some((h) =>
      h.id === host && h.version === version
    );
  await waitFor(`round ${round}`, () => clients.every(has), 10_000);
  times.push(Math.max(...clients.map((c) => c.at)) - start);
}
const sorted = [...times].sort((a, b) => a - b);
console.log(JSON.stringify(await machine()));
console.log(
  `serve SSE fan-out: ${CLIENTS} clients, ${HOSTS} hosts, ${ROUNDS} rounds: host change → ` +
    `last client median ${sorted[Math.floor(ROUNDS / 2)].toFixed(0)} ms, max ` +
    `${
      sorted.at(-1)!.toFixed(0)
    } ms; store watches held ${store.count} (/hosts, /rollouts, ${HOSTS} hosts)`,
);
for (const c of clients) c.close();
closing.abort();
await server.shutdown();
feed.stop();
await store.close();
await writer.close();
await zk.close();
Deno.exit(sorted.at(-1)! > LIMIT_MS ? 1 : 0);
