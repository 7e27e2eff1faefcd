/**
 * Limits: a payload over 512 KiB, a payload nested too deep and a batch over 32 MiB are clear
 * errors (never `Maximum call stack size exceeded`), and the other events of the batch still run.
 *
 * Covers: lib/cli/run.ts, lib/handler/event.ts, lib/handler/handle.ts, lib/operator/event.ts,
 *   handler.ts.
 *
 * @module
 */
import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { validateEventPayload } from "../../lib/operator/event.ts";
import { CliError } from "../../lib/cli/run.ts";
import { makeEvent } from "../../lib/handler/event.ts";
import { handleEvents } from "../../lib/handler/handle.ts";
import { REPO } from "./fixtures_test.ts";
import { handleOnNepri } from "../support/harness/handler_live.ts";

const HANDLER = new URL("../../handler.ts", import.meta.url).pathname;

/** Handles events live on nepri; returns the exit status, the error lines and the commands. */
const handle = (events: unknown[]) => handleOnNepri((options) => handleEvents(events, options));

const good = JSON.stringify({ repo: REPO, branch: "master", master: "nepri" });

Deno.test("a multi-MB payload and a deeply nested one: clear errors, the good event still runs", async () => {
  const big = JSON.stringify({ repo: REPO, branch: "master", master: "nepri", x: "a".repeat(3e6) });
  const deep = `{"repo": "${REPO}", "branch": "master", "master": "nepri", "x": ${
    "[".repeat(200_000)
  }${"]".repeat(200_000)}}`;
  const { code, errors, commands } = await handle([
    makeEvent("big", "deploy", big),
    makeEvent("deep", "deploy", deep),
    makeEvent("deep-object", "deploy", '{"a":'.repeat(50_000) + "1" + "}".repeat(50_000)),
    makeEvent("good", "deploy", good),
  ]);
  assertEquals(code, 1);
  assertEquals(errors, [
    `ERROR event big: field Payload: ${big.length} bytes once decoded, more than the 512 KiB limit`,
    "ERROR event deep: field Payload: nested deeper than 16 levels",
    "ERROR event deep-object: field Payload: nested deeper than 16 levels",
  ]);
  assertEquals(commands.length, 8, "the good event ran");
});

Deno.test("a batch over 32 MiB on standard input: refused without reading it all, exit 1", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", HANDLER, "test", "--node", "n", "--deploy-dir", "/nonexistent"],
    env: { NO_COLOR: "1" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  const event = JSON.stringify(makeEvent("ev-1", "deploy", good));
  const chunk = new TextEncoder().encode(" ".repeat(1024 * 1024));
  const writing = (async () => {
    await writer.write(new TextEncoder().encode(`[${event},`));
    for (let i = 0; i < 40; i++) await writer.write(chunk);
    await writer.write(new TextEncoder().encode(`${event}]`));
    await writer.close();
  })().catch(() => {/* the handler stopped reading: that is the point */});
  const out = await child.output();
  await writing;
  const stderr = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 1);
  assertEquals(
    stderr,
    `CRITICAL events: more than ${32 * 1024 * 1024} bytes, more than the 32 MiB limit\n`,
  );
});

Deno.test("event: a payload over 512 KiB or nested too deep is refused before anything is fired", () => {
  const big = JSON.stringify({
    repo: REPO,
    branch: "master",
    master: "n1",
    x: "a".repeat(600_000),
  });
  assertThrows(
    () => validateEventPayload("deploy", big),
    (e: Error) =>
      e instanceof CliError &&
      e.message ===
        `event deploy: field Payload: ${big.length} bytes, more than the 512 KiB limit; nothing fired`,
  );
  const deep = `{"repo": "${REPO}", "x": ${"[".repeat(1000)}${"]".repeat(1000)}}`;
  assertThrows(
    () => validateEventPayload("destroy", deep),
    /event destroy: field Payload: nested deeper than 16 levels; nothing fired/,
  );
});
