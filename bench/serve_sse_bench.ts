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
import { encodeProperties } from "../lib/tree/codec.ts";
import { connectSse, startFanoutServer } from "../tests/support/harness/sse_clients.ts";
import { waitFor } from "../tests/support/harness/wait.ts";
import { machine } from "./conditions.ts";

const CLIENTS = Number(Deno.args[0] ?? 100);
const ROUNDS = Number(Deno.args[1] ?? 10);
const HOSTS = 20;
const LIMIT_MS = 2000;

const { writer, store, url, close } = await startFanoutServer(HOSTS, "v0");
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
await close();
Deno.exit(sorted.at(-1)! > LIMIT_MS ? 1 : 0);
