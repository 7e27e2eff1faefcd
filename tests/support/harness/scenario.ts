/**
 * Scenario files: tests that read like the seeds. A scenario is prose, actions and expected
 * output:
 *
 * ```
 * Prose lines are ignored.
 *
 * $ write foo.zk
 *   /foo
 *     /bar
 *
 * $ sync
 * INFO VCS Version: {c1}
 * ```
 *
 * A line starting with `$ ` is an action (its words follow). The lines right after it, up to the
 * first blank line, are its block: an input (for actions that take one, indented by two spaces
 * in the file, which are removed) or the expected output. `{name}` in a block stands for a value
 * the scenario bound earlier (a commit id, say).
 *
 * @module
 */
import { STORE_KINDS, type StoreFixture } from "./stores.ts";

/** One action of a scenario. */
export interface ScenarioStep {
  /** The action's words (`["sync", "--force"]`). */
  words: string[];
  /** The block below it, without the two-space indent of input blocks. */
  block: string[];
  /** 1-based line of the action in the file. */
  line: number;
}

/** Parses a scenario text into its steps. */
export function parseScenario(text: string): ScenarioStep[] {
  const lines = text.split("\n");
  const steps: ScenarioStep[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith("$ ")) continue;
    const words = lines[i].slice(2).trim().split(/\s+/);
    const block: string[] = [];
    let j = i + 1;
    for (; j < lines.length && lines[j].trim() !== ""; j++) block.push(lines[j]);
    steps.push({ words, block, line: i + 1 });
    i = j - 1;
  }
  return steps;
}

/** The input block of a step with its two-space indent removed, as text with a final newline. */
export function inputText(step: ScenarioStep): string {
  return step.block.map((l) => l.startsWith("  ") ? l.slice(2) : l.trimStart()).join("\n") + "\n";
}

/** Replaces `{name}` with bound values; an unbound name is an error naming it. */
export function substitute(lines: string[], values: Map<string, string>): string[] {
  return lines.map((line) =>
    line.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = values.get(name);
      if (value === undefined) throw new Error(`scenario uses {${name}} before binding it`);
      return value;
    })
  );
}

/**
 * An expected-output block: its lines (after `{name}` substitution) and the exit code a final
 * `(exit N)` line asks for (0 without one).
 */
export function expectedOutput(
  step: ScenarioStep,
  values: Map<string, string> = new Map(),
): { lines: string[]; code: number } {
  const lines = substitute(step.block, values);
  const last = lines.at(-1)?.match(/^\(exit (\d+)\)$/);
  return last ? { lines: lines.slice(0, -1), code: Number(last[1]) } : { lines, code: 0 };
}

/**
 * Registers one test per scenario file in `dir` and store kind: `<tool> scenario <file> on
 * <kind>`, each on a fresh store fixture that is closed after.
 */
export function scenarioTests(
  tool: string,
  dir: string,
  run: (file: string, fixture: StoreFixture) => Promise<void>,
): void {
  const files = [...Deno.readDirSync(dir)]
    .filter((e) => e.name.endsWith(".scenario"))
    .map((e) => e.name)
    .sort();
  for (const kind of STORE_KINDS) {
    for (const file of files) {
      Deno.test({
        name: `${tool} scenario ${file} on ${kind.name}`,
        sanitizeOps: false,
        sanitizeResources: false,
        fn: async () => {
          const fixture = await kind.make();
          try {
            await run(file, fixture);
          } finally {
            await fixture.close();
          }
        },
      });
    }
  }
}
