/**
 * The `handler` command line (commander):
 *
 * ```
 * handler [options] [test] [EVENTS_JSON]          # events from stdin when no EVENTS_JSON
 * handler deploy|destroy|migrate [options] JSON   # one payload, for operators
 * ```
 *
 * Exit status: 0 every event handled, 1 some event bad or failed, 2 usage error.
 *
 * @module
 */
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { parseLogFormat } from "../log.ts";
import { DEFAULT_GIT_TIMEOUT_S } from "../git_runner.ts";
import { BUTTERVOLUME_DRIVER, defaultConsulUrl, EVENT_NAMES } from "./defaults.ts";
import { parsePositiveSeconds } from "../cli/options.ts";

/** Options as commander gives them. */
export interface CliOptions {
  consul: string;
  node?: string;
  deployDir: string;
  logFormat: "text" | "json";
  test?: boolean;
  compose: string;
  volumeDriver: string;
  lockWait: number;
  transferTimeout: number;
  consulTimeout: number;
  gitTimeout: number;
  eventId?: string;
}

/** Exits 0 for help/version, 2 for any other commander (usage) error; for `exitOverride`. */
export function usageExit(error: CommanderError): never {
  Deno.exit(error.exitCode === 0 ? 0 : 2);
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError("expected seconds (>= 0)");
  return n;
}

function logFormat(value: string): "text" | "json" {
  try {
    return parseLogFormat(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function addOptions(command: Command): Command {
  return command
    .option("--consul <url>", "Consul agent HTTP address", defaultConsulUrl())
    .option("--node <name>", "this node's name (default: the Consul agent's node name)")
    .option("--deploy-dir <dir>", "checkouts and the handled-events record", "/deploy")
    .option("--log-format <format>", "text or json", logFormat, "text")
    .option("--test", "print the effects instead of performing them")
    .option("--compose <command>", "compose command", "docker compose")
    .option(
      "--volume-driver <name>",
      "the volume driver of the named volumes that are snapshotted, replicated and moved",
      BUTTERVOLUME_DRIVER,
    )
    .option("--lock-wait <seconds>", "wait for a busy application lock", seconds, 600)
    .option("--transfer-timeout <seconds>", "wait for the old master's volumes", seconds, 1200)
    .option(
      "--consul-timeout <seconds>",
      "limit of each Consul HTTP request",
      parsePositiveSeconds,
      30,
    )
    .option(
      "--git-timeout <seconds>",
      "kill a git command running longer than this",
      parsePositiveSeconds,
      DEFAULT_GIT_TIMEOUT_S,
    );
}

/** The `handler` command, ready to parse or to mount as a subcommand. */
export function handlerCommand(): Command {
  const command = addOptions(
    new Command("handler")
      .description("Consul watch handler: deploy, destroy, migrate docker-compose applications")
      .argument("[args...]", "'test' and/or the JSON array of events (default: standard input)")
      .exitOverride(usageExit),
  ).action(async (args: string[], opts: CliOptions, self: Command) => {
    const words = [...args];
    let test = opts.test === true;
    if (words[0] === "test") {
      test = true;
      words.shift();
    }
    if (words.length > 1) {
      self.error(`handler: expected at most one JSON argument, got ${words.length}`, {
        exitCode: 2,
      });
    }
    // Consul, YAML and the planning load only when events are handled (not for --help).
    const { runBatch } = await import("./cli_run.ts");
    await runBatch(words[0], opts, test);
  });
  for (const name of EVENT_NAMES) {
    addOptions(
      command.command(name)
        .description(`handle one ${name} payload directly, as if it came in an event`)
        .argument("<json>", `the ${name} payload`)
        .option("--event-id <id>", "event ID (default: a random UUID)"),
    ).action(async (json: string, _opts: CliOptions, self: Command) => {
      const { runOne } = await import("./cli_run.ts");
      await runOne(name, json, self.optsWithGlobals<CliOptions>());
    });
  }
  return command;
}
