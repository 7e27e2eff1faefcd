/**
 * main.ts loads a subcommand's modules only when that subcommand runs: its static module graph
 * is commander and the runner, nothing else; and the placeholders `--help` lists say exactly
 * what the real commands say.
 *
 * Covers: lib/cli/run.ts, agent.ts, handler.ts, main.ts, sync.ts.
 */
import { deepEqual, equal } from "node:assert/strict";
import { Help } from "commander";
import { addLogFormatEverywhere } from "../lib/cli/run.ts";
import { mainCommand, SUBCOMMANDS } from "../main.ts";

const ROOT = new URL("../", import.meta.url);

interface GraphModule {
  specifier: string;
  dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
}

/** The modules `entry` loads before running anything (static imports only), repo-relative. */
async function staticGraph(entry: string): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: ROOT.pathname,
    stdout: "piped",
  }).output();
  const graph = JSON.parse(new TextDecoder().decode(out.stdout)) as { modules: GraphModule[] };
  const bySpecifier = new Map(graph.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const visit = (specifier: string) => {
    if (seen.has(specifier)) return;
    seen.add(specifier);
    for (const dep of bySpecifier.get(specifier)?.dependencies ?? []) {
      if (!dep.isDynamic && dep.code) visit(dep.code.specifier);
    }
  };
  visit(new URL(entry, ROOT).href);
  return [...seen].map((s) => s.replace(ROOT.href, "")).sort();
}

Deno.test("main.ts loads only commander and the runner before a subcommand is chosen", async () => {
  deepEqual(await staticGraph("main.ts"), [
    "lib/cli/run.ts",
    "lib/log.ts",
    "main.ts",
    "npm:commander@15.1.0",
  ]);
});

Deno.test("main.ts --help lists each subcommand as the real command describes itself", async () => {
  const help = new Help();
  for (const sub of SUBCOMMANDS) {
    const real = await sub.load();
    addLogFormatEverywhere(real);
    equal(real.name(), sub.name);
    equal(real.description(), sub.description, `${sub.name}: description`);
    equal(help.subcommandTerm(real), sub.term, `${sub.name}: how --help lists it`);
  }
  const names = (await mainCommand([])).commands.map((c) => c.name());
  deepEqual(names, SUBCOMMANDS.map((s) => s.name));
});

/** What a tool needs only once its action runs: the npm clients, the stores, the work itself. */
const ACTION_ONLY = [
  "lib/store/open.ts",
  "lib/store/zookeeper/mod.ts",
  "lib/store/embedded/mod.ts",
  "lib/sync/sync.ts",
  "lib/agent/agent.ts",
  "lib/handler/handle.ts",
  "lib/handler/consul.ts",
  "lib/tree/parse.ts",
];

for (const entry of ["sync.ts", "agent.ts", "handler.ts"]) {
  Deno.test(`${entry} --help loads commander and the command definitions only`, async () => {
    const graph = await staticGraph(entry);
    deepEqual(graph.filter((m) => m.startsWith("npm:")), ["npm:commander@15.1.0"]);
    deepEqual(graph.filter((m) => ACTION_ONLY.includes(m)), []);
    // The definitions are there (the lazy split did not cut the command itself off).
    equal(graph.includes(`lib/${entry.replace(".ts", "")}/cli.ts`), true);
  });
}

for (const run of ["lib/sync/cli_run.ts", "lib/agent/cli_run.ts", "lib/operator/tree.ts"]) {
  Deno.test(`${run} loads the store it is given only: neither backend before --store is read`, async () => {
    const graph = await staticGraph(run);
    deepEqual(graph.filter((m) => m.startsWith("npm:node-zookeeper-client")), []);
    deepEqual(graph.filter((m) => /^lib\/store\/(zookeeper|embedded)\/(?!types)/.test(m)), []);
    equal(graph.includes("lib/store/open.ts"), true);
  });
}
