/**
 * The after-deployment hook (`agent --after 'COMMAND ARG…'`): a command run after every
 * successful deployment (after `Done deploying version <v>`) and after an abandoned one, never
 * after a failed one. It is split on whitespace into argv (no shell) and run and logged like any
 * other command; its failure fails the deployment (ALL STOP).
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { CommandRunner } from "./deploy_command.ts";

/** The hook's argv from its command text; null for none (absent or blank). */
export function parseAfterHook(text: string | undefined): string[] | null {
  if (text === undefined) return null;
  if (text.includes("\0")) throw new Error("--after: the command contains a NUL character");
  const argv = text.trim().split(/\s+/).filter((word) => word !== "");
  return argv.length === 0 ? null : argv;
}

/**
 * Why `argv` cannot be run as the hook, or undefined: it must name a program (not empty, not
 * starting with `-`) and hold no NUL. Checked where the hook is run, whichever way it came in
 * (`--after`, or the configuration file's `after`, checked there too).
 */
export function afterHookProblem(argv: readonly string[]): string | undefined {
  if (argv.length === 0 || argv[0] === "") return "no program";
  if (argv[0].startsWith("-")) return `'${argv[0]}' is not a program`;
  if (argv.some((word) => word.includes("\0"))) return "a word contains a NUL character";
  return undefined;
}

/** Runs the hook: logs `Running after hook`, then the command; throws when it fails. */
export async function runAfterHook(
  argv: readonly string[],
  commands: Pick<CommandRunner, "run">,
  logger: Logger,
): Promise<void> {
  const problem = afterHookProblem(argv);
  if (problem !== undefined) throw new Error(`The after hook cannot run: ${problem}`);
  logger.info("Running after hook");
  await commands.run(argv);
}
