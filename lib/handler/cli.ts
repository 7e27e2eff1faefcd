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
import { Command } from "commander";
import { DEFAULT_GIT_TIMEOUT_S } from "../git_runner.ts";
import { BUTTERVOLUME_DRIVER, defaultConsulUrl, EVENT_NAMES } from "./defaults.ts";
import { parseLogFormatArgument, parsePositiveSeconds, parseSeconds } from "../cli/options.ts";
import { type HandlerFlags } from "./flags.ts";

function addOptions(command: Command): Command {
  return command
    .option("--consul <url>", "Consul agent HTTP address", defaultConsulUrl())
    .option("--node <name>", "this node's name (default: the Consul agent's node name)")
    .option("--deploy-dir <dir>", "checkouts and the handled-events record", "/deploy")
    .option("--log-format <format>", "text or json", parseLogFormatArgument, "text")
    .option("--test", "print the effects instead of performing them")
    .option("--compose <command>", "compose command", "docker compose")
    .option(
      "--volume-driver <name>",
      "the volume driver of the named volumes that are snapshotted, replicated and moved",
      BUTTERVOLUME_DRIVER,
    )
    .option("--lock-wait <seconds>", "wait for a busy application lock", parseSeconds, 600)
    .option("--transfer-timeout <seconds>", "wait for the old master's volumes", parseSeconds, 1200)
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
      .argument("[args...]", "'test' and/or the JSON array of events (default: standard input)"),
  ).action(async (args: string[], opts: HandlerFlags, self: Command) => {
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
    ).action(async (json: string, _opts: HandlerFlags, self: Command) => {
      const { runOne } = await import("./cli_run.ts");
      await runOne(name, json, self.optsWithGlobals<HandlerFlags>());
    });
  }
  return command;
}
