/**
 * Bounded parsing: the handler's Caddyfile and compose reading end, in time and memory linear in
 * their input, whatever the input. A ~1 KB docker-compose.yml whose CADDYFILE has a U+FEFF (zero
 * width no-break space) in a site address once made the Caddyfile tokenizer loop until the heap
 * was exhausted; it is parsed here in a child process with a 64 MB heap and a kill timeout, so a
 * regression fails the test instead of hanging the suite. The seeded property test of the
 * Caddyfile (Unicode white space and format characters included) runs under the same bounds.
 *
 * Covers: lib/handler/caddyfile.ts, lib/handler/compose.ts, through
 *   tests/support/harness/bounded_parse.ts and tests/support/harness/caddyfile_fuzz.ts.
 *
 * @module
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { runBounded } from "../support/harness/bounded_parse.ts";
import { UNICODE_ODDITIES } from "../support/harness/caddyfile_fuzz.ts";

const COMPOSE = await Deno.readTextFile(
  new URL("../../testdata/handler/lycee-test-mlf/docker-compose.yml", import.meta.url),
);

/** The test application's compose file with `char` inside its first site address. */
function withCharacter(char: string): string {
  const text = COMPOSE.replace("http://lycee-test-mlf", `http://lycee${char}-test-mlf`);
  if (text === COMPOSE) throw new Error("the fixture changed: no site address to alter");
  return text;
}

/** Runs a mode of the bounded child; fails when it was killed or did not exit 0. */
async function bounded(args: string[], stdin: string): Promise<Record<string, unknown>> {
  const run = await runBounded(args, stdin, { heapMb: 64, timeoutMs: 60_000 });
  assertEquals(run.killed, false, "the parse did not end within 60 s: killed");
  assertEquals(run.code, 0, `the child failed (heap of 64 MB exhausted?):\n${run.stderr}`);
  return JSON.parse(run.stdout);
}

Deno.test("a ~1 KB compose file with U+FEFF in a site address: refused with its place, within 64 MB of heap", async () => {
  const text = withCharacter("\uFEFF");
  assertEquals(text.length < 1100, true);
  assertEquals(await bounded(["compose"], text), {
    error: "compose file docker-compose.yml: 7:7 services.wordpress.environment.CADDYFILE: " +
      "line 1: site address 'http://lycee\\uFEFF-test-mlf.example.com' holds the invisible " +
      "character U+FEFF: remove it",
  });
});

Deno.test("every Unicode white space or format character in a site address ends the parse: a space splits the address, any other is refused", async () => {
  for (const char of UNICODE_ODDITIES) {
    const outcome = await bounded(["compose"], withCharacter(char));
    const code = char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
    const message = String(outcome.error ?? "");
    const name = `U+${code}`;
    if (outcome.urls !== undefined) {
      // Caddy's white space: the address is split in two (both then served and checked).
      assertEquals((outcome.urls as string[]).slice(0, 2), [
        "http://lycee",
        "-test-mlf.example.com",
      ], name);
    } else {
      assertEquals(
        message.includes(`holds the invisible character U+${code}`),
        true,
        `${name}: ${message}`,
      );
    }
  }
});

Deno.test("property: 3 000 seeded random and mutated Caddyfiles end and round-trip, within 64 MB of heap", async () => {
  assertEquals(await bounded(["fuzz-caddyfile", "20261207", "3000"], ""), { failures: [] });
});

Deno.test("a compose file of 16 000 aliases: refused as a resource exhaustion, in linear time (each alias once resolved by a search of the whole document)", async () => {
  const text = "a: &a [1]\n" +
    Array.from({ length: 16_000 }, (_, i) => `b${i}: *a`).join("\n") + "\n";
  assertEquals(await bounded(["compose"], text), {
    error: "compose file docker-compose.yml: Excessive alias count indicates a resource " +
      "exhaustion attack",
  });
});
