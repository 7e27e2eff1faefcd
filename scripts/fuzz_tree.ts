/**
 * `deno task fuzz [tree|caddyfile|all] [COUNT] [SEED]`: the parsers' round-trip properties on many
 * seeded random and mutated inputs (default: all, 100 000 each, seed from the clock) — the tree
 * format's, and the handler's Caddyfile reading (Unicode white space and format characters
 * included: every parse must end, with sites or a CaddyfileError). Prints each failing input and
 * what broke; exits 1 when any failed.
 *
 * @module
 */
import { fuzzRoundTrip } from "../tests/support/harness/tree_fuzz.ts";
import { fuzzCaddyfile } from "../tests/support/harness/caddyfile_fuzz.ts";

const FUZZERS = { tree: fuzzRoundTrip, caddyfile: fuzzCaddyfile };
const args = [...Deno.args];
const mode = /^[a-z]+$/.test(args[0] ?? "") ? args.shift()! : "all";
const count = Number(args[0] ?? 100_000);
const seed = Number(args[1] ?? Date.now() % 2 ** 31);
if (
  !(mode === "all" || mode in FUZZERS) || !Number.isSafeInteger(count) || count <= 0 ||
  !Number.isSafeInteger(seed)
) {
  console.error("usage: deno task fuzz [tree|caddyfile|all] [COUNT] [SEED]");
  Deno.exit(2);
}
let failed = 0;
for (const [name, fuzz] of Object.entries(FUZZERS)) {
  if (mode !== "all" && mode !== name) continue;
  const failures = fuzz(seed, count);
  for (const { input, problem } of failures.slice(0, 20)) {
    console.log(`--- ${name} input\n${JSON.stringify(input)}\n--- ${problem}\n`);
  }
  console.log(`${name}: ${count} inputs, seed ${seed}: ${failures.length} failed`);
  failed += failures.length;
}
Deno.exit(failed === 0 ? 0 : 1);
