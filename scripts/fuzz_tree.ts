/**
 * `deno task fuzz [COUNT] [SEED]`: the tree format's round-trip property on many seeded random
 * and mutated inputs (default 100 000, seed from the clock). Prints each failing input and what
 * broke; exits 1 when any failed.
 *
 * @module
 */
import { fuzzRoundTrip } from "../tests/support/harness/tree_fuzz.ts";

const count = Number(Deno.args[0] ?? 100_000);
const seed = Number(Deno.args[1] ?? Date.now() % 2 ** 31);
if (!Number.isSafeInteger(count) || count <= 0 || !Number.isSafeInteger(seed)) {
  console.error("usage: deno task fuzz [COUNT] [SEED]");
  Deno.exit(2);
}
const failures = fuzzRoundTrip(seed, count);
for (const { input, problem } of failures.slice(0, 20)) {
  console.log(`--- input\n${input}--- ${problem}\n`);
}
console.log(`${count} inputs, seed ${seed}: ${failures.length} failed`);
Deno.exit(failures.length === 0 ? 0 : 1);
