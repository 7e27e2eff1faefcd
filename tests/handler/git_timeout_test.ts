/**
 * The handler's git use is bounded like sync's (the shared GitRunner): a remote that accepts the
 * connection and never answers ends in `--git-timeout`, and the error says so.
 *
 * Covers: lib/handler/event.ts, handler.ts.
 *
 * @module
 */
import { equal, match } from "node:assert/strict";
import { makeEvent } from "../../lib/handler/event.ts";
import { startConsulDouble } from "../support/servers/consul_double.ts";
import { MEMBERS } from "./fixtures_test.ts";

const HANDLER = new URL("../../handler.ts", import.meta.url).pathname;

Deno.test("handler: a git remote that never answers ends in --git-timeout", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) held.push(conn); // never answers
  })();
  const double = startConsulDouble(MEMBERS);
  const dir = await Deno.makeTempDir({ prefix: "handler-git-timeout-" });
  try {
    const repo = `http://127.0.0.1:${listener.addr.port}/lycee-test-mlf`;
    const events = JSON.stringify([
      makeEvent("ev-1", "deploy", JSON.stringify({ repo, branch: "master", master: "edjo" })),
    ]);
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        HANDLER,
        "test",
        events,
        "--node",
        "edjo",
        "--consul",
        double.url,
        "--deploy-dir",
        dir,
        "--git-timeout",
        "1",
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    equal(out.code, 1, text);
    match(text, /git timed out after 1 s \(--git-timeout\)/);
  } finally {
    listener.close();
    for (const conn of held) conn.close();
    await accepting.catch(() => {});
    await double.close();
    await Deno.remove(dir, { recursive: true });
  }
});
