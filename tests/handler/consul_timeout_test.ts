/**
 * Nothing waits forever on Consul: against an agent that accepts connections and never answers,
 * `handler deploy` and `clusterdeploy event` fail once the request timeout (`--consul-timeout`)
 * has passed, naming the request.
 *
 * Covers: handler.ts, main.ts.
 *
 * @module
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { runEntrypoint } from "../support/harness/cli.ts";

/** A loopback TCP server that accepts every connection and never writes a byte. */
function silentServer(): { url: string; close(): void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  (async () => {
    try {
      for await (const conn of listener) held.push(conn);
    } catch { /* closed */ }
  })();
  return {
    url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    close() {
      listener.close();
      for (const conn of held) {
        try {
          conn.close();
        } catch { /* already closed */ }
      }
    },
  };
}

/** Runs an entrypoint, failing the test if it is still running after `limitMs`. */
async function bounded(entrypoint: string, args: string[], limitMs = 20_000) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${entrypoint} still running`)), limitMs);
  });
  try {
    return await Promise.race([runEntrypoint(entrypoint, args), limit]);
  } finally {
    clearTimeout(timer);
  }
}

const payload = JSON.stringify({
  repo: "https://git.example.com/hosting/app",
  branch: "master",
  master: "n1",
});

Deno.test("handler deploy against a Consul that never answers: fails after the timeout, naming the request", async () => {
  const consul = silentServer();
  try {
    const run = await bounded("handler.ts", [
      "deploy",
      payload,
      "--node",
      "n1",
      "--deploy-dir",
      "/nonexistent",
      "--consul",
      consul.url,
      "--consul-timeout",
      "0.5",
    ]);
    assertEquals(run.code, 1, run.stderr);
    assertEquals(
      run.stderr.trim().split("\n").at(-1)?.replace(/ID \S+:/, "ID <id>:").replace(
        /event \S+:/,
        "event <id>:",
      ),
      `ERROR event <id>: Consul at ${consul.url}: GET agent/members: no answer within 0.5 s ` +
        `(the Consul request timeout)`,
    );
  } finally {
    consul.close();
  }
});

Deno.test("clusterdeploy event against a Consul that never answers: fails after the timeout", async () => {
  const consul = silentServer();
  try {
    const run = await bounded("main.ts", [
      "event",
      "deploy",
      payload,
      "--consul",
      consul.url,
      "--consul-timeout",
      "0.5",
    ]);
    assertEquals(run.code, 1, run.stderr);
    assertEquals(
      run.stderr.includes(
        `Consul at ${consul.url}: PUT event/fire/deploy: no answer within 0.5 s`,
      ),
      true,
      run.stderr,
    );
  } finally {
    consul.close();
  }
});
