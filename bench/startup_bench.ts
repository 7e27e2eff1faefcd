/**
 * Start-up benchmark: each entrypoint's `--help` (and `main.ts sync --help`) against an empty
 * `deno run`, measured side by side in one run (rounds interleaved, so the machine's load
 * falls on all of them alike). Prints medians and the ratio to the empty run.
 *
 * Run: `deno task bench:startup [ROUNDS]` (default 15).
 *
 * @module
 */
import { machine } from "./conditions.ts";

const rounds = Number(Deno.args[0] ?? 15);
const root = new URL("../", import.meta.url).pathname;
const empty = await Deno.makeTempFile({ suffix: ".ts" });
// The floor of any entrypoint whose --help is drawn by commander: loading commander alone.
const commanderOnly = await Deno.makeTempFile({ suffix: ".ts" });
await Deno.writeTextFile(
  commanderOnly,
  'import { Command } from "npm:commander@15.1.0";\nnew Command("x").parse(["--help"], { from: "user" });\n',
);
const cases: [string, string[]][] = [
  ["empty deno run", [empty]],
  ["commander alone (--help of an empty command)", [commanderOnly]],
  ["main.ts --help", [`${root}main.ts`, "--help"]],
  ["main.ts sync --help", [`${root}main.ts`, "sync", "--help"]],
  ["sync.ts --help", [`${root}sync.ts`, "--help"]],
  ["agent.ts --help", [`${root}agent.ts`, "--help"]],
  ["handler.ts --help", [`${root}handler.ts`, "--help"]],
];

async function once(args: string[]): Promise<number> {
  const t0 = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", ...args],
    stdout: "null",
    stderr: "null",
  }).output();
  if (!out.success) throw new Error(`deno run ${args.join(" ")} failed`);
  return performance.now() - t0;
}

const conditions = await machine();
for (const [, args] of cases) await once(args); // warm the module cache
const times = cases.map((): number[] => []);
for (let r = 0; r < rounds; r++) {
  for (const [i, [, args]] of cases.entries()) times[i].push(await once(args));
}
await Deno.remove(empty);
await Deno.remove(commanderOnly);
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const base = median(times[0]);
console.log(`start-up, ${rounds} rounds interleaved; ${conditions.summary}`);
console.log("| run | median | × empty deno run |");
console.log("|---|---|---|");
for (const [i, [label]] of cases.entries()) {
  const m = median(times[i]);
  console.log(`| ${label} | ${m.toFixed(0)} ms | ${(m / base).toFixed(2)} |`);
}
