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

/** Runs the hook: logs `Running after hook`, then the command; throws when it fails. */
export async function runAfterHook(
  argv: readonly string[],
  commands: CommandRunner,
  logger: Logger,
): Promise<void> {
  logger.info("Running after hook");
  await commands.run(argv);
}
