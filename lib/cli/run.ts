/**
 * Runs a commander program the way every clusterdeploy binary does: usage errors exit 2,
 * failures exit 1 with a message, `--help` exits 0; an action sets `Deno.exitCode`.
 *
 * @module
 */
import { type Command, CommanderError, Option } from "commander";
import { createLogger, type LogFormat } from "../log.ts";

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

/**
 * Gives every command that runs something (a leaf of the tree) a `--log-format text|json`
 * option when it has none, so errors can always be asked for as JSON lines.
 */
export function addLogFormatEverywhere(command: Command): Command {
  if (command.commands.length === 0) {
    if (!command.options.some((o) => o.long === "--log-format")) {
      command.addOption(
        new Option("--log-format <format>", "errors (and logs) as text or JSON lines")
          .choices(["text", "json"]).default("text"),
      );
    }
  }
  for (const sub of command.commands) addLogFormatEverywhere(sub as Command);
  return command;
}

/** The `--log-format` the arguments ask for (text unless `json` is given). */
export function logFormatOf(args: readonly string[]): LogFormat {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--log-format" && args[i + 1] === "json") return "json";
    if (args[i] === "--log-format=json") return "json";
  }
  return "text";
}

function reportError(args: readonly string[], message: string): void {
  if (logFormatOf(args) === "json") createLogger({ format: "json" }).error(message);
  else console.error(`error: ${message}`);
}

/**
 * Describes any thrown value for the operator: an Error's message, or what was thrown instead
 * (a rejection with `null` says so, never just `null`).
 */
export function describeThrown(value: unknown): string {
  if (value instanceof Error) return value.message || value.name;
  if (value === null || value === undefined) return `a failure with no error value (${value})`;
  const shown = typeof value === "string" ? value : Deno.inspect(value);
  return `a failure with a value that is not an error: ${shown}`;
}

/**
 * Ends the process (exit 1) on an exception or rejection nothing handled, with a message saying
 * what failed (and the stack with `--verbose`) instead of the runtime's bare `Uncaught …`.
 */
export function reportUncaught(args: readonly string[]): void {
  const fail = (value: unknown) => {
    reportError(args, `unexpected failure: ${describeThrown(value)}`);
    if (args.includes("--verbose")) console.error(stackOf(value));
    Deno.exit(1);
  };
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    fail(event.reason);
  });
  globalThis.addEventListener("error", (event) => {
    event.preventDefault();
    fail(event.error);
  });
}

function stackOf(value: unknown): string {
  return value instanceof Error && value.stack
    ? value.stack
    : `(no stack: the value thrown was ${value === null ? "null" : typeof value})`;
}

/** Parses `args` and runs the matching action, then exits the process with its code. */
export async function runCli(command: Command, args: string[]): Promise<never> {
  addLogFormatEverywhere(command);
  throwOnUsageErrors(command);
  reportUncaught(args);
  try {
    await command.parseAsync(args, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      const benign = error.code === "commander.helpDisplayed" || error.code === "commander.help" ||
        error.code === "commander.version" || error.exitCode === 0;
      Deno.exit(benign ? 0 : 2);
    }
    if (error instanceof CliError) {
      reportError(args, error.message);
      Deno.exit(error.exitCode);
    }
    reportError(args, describeThrown(error));
    if (args.includes("--verbose")) console.error(stackOf(error));
    Deno.exit(1);
  }
  Deno.exit(typeof Deno.exitCode === "number" ? Deno.exitCode : 0);
}
