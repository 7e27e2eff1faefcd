/**
 * Runs a commander program the way every clusterdeploy binary does: usage errors exit 2,
 * failures exit 1 with a message, `--help` exits 0; an action sets `Deno.exitCode`.
 *
 * @module
 */
import { type Command, CommanderError } from "commander";

/** Makes every command in the tree throw instead of exiting, so exit codes stay ours. */
export function throwOnUsageErrors(command: Command): Command {
  command.exitOverride();
  for (const sub of command.commands) throwOnUsageErrors(sub as Command);
  return command;
}

/** An error whose message is meant for the operator as it is, with the exit code to use. */
export class CliError extends Error {
  /** Exit code: 1 failure, 2 usage. */
  readonly exitCode: number;
  /** Makes the error. */
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

/** Parses `args` and runs the matching action, then exits the process with its code. */
export async function runCli(command: Command, args: string[]): Promise<never> {
  throwOnUsageErrors(command);
  try {
    await command.parseAsync(args, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      const benign = error.code === "commander.helpDisplayed" || error.code === "commander.help" ||
        error.code === "commander.version" || error.exitCode === 0;
      Deno.exit(benign ? 0 : 2);
    }
    if (error instanceof CliError) {
      console.error(`error: ${error.message}`);
      Deno.exit(error.exitCode);
    }
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    Deno.exit(1);
  }
  Deno.exit(typeof Deno.exitCode === "number" ? Deno.exitCode : 0);
}
