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
import { createLogger, parseLogFormat } from "../log.ts";
import { RealRunner } from "../proc/real.ts";
import { DEFAULT_GIT_TIMEOUT_S, GitRunner } from "../git_runner.ts";
import { BUTTERVOLUME_DRIVER } from "./compose.ts";
import { defaultConsulUrl, HttpConsul } from "./consul.ts";
import { BatchError } from "./errors.ts";
import { batchTooLarge, makeEvent, MAX_BATCH_BYTES } from "./event.ts";
import { EVENT_NAMES, handleBatch, handleEvents, type HandlerOptions } from "./handle.ts";

/** Options as commander gives them. */
interface CliOptions {
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

function positiveSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected seconds (> 0)");
  return n;
}

function logFormat(value: string): "text" | "json" {
  try {
    return parseLogFormat(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

const encoder = new TextEncoder();

/** Builds the handler's options from the command line ones. */
function handlerOptions(o: CliOptions, test: boolean): HandlerOptions {
  // Every git command (the app checkouts) is bounded by --git-timeout; others are unchanged.
  const runner = new GitRunner(new RealRunner(), { timeoutS: o.gitTimeout });
  return {
    consul: new HttpConsul(o.consul, o.consulTimeout * 1000),
    runner,
    checkoutRunner: runner,
    logger: createLogger({ format: o.logFormat }),
    deployDir: o.deployDir,
    node: o.node,
    test,
    print: (line) => Deno.stdout.writeSync(encoder.encode(line + "\n")),
    compose: o.compose.split(/\s+/).filter((w) => w !== ""),
    volumeDriver: o.volumeDriver,
    lockWaitMs: o.lockWait * 1000,
    transferTimeoutMs: o.transferTimeout * 1000,
    pollMs: 1000,
  };
}

async function run(options: HandlerOptions, work: (o: HandlerOptions) => Promise<number>) {
  try {
    Deno.exitCode = await work(options);
  } catch (error) {
    options.logger.critical(error instanceof Error ? error.message : String(error));
    Deno.exitCode = 1;
  } finally {
    options.consul.close();
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
    .option("--consul-timeout <seconds>", "limit of each Consul HTTP request", positiveSeconds, 30)
    .option(
      "--git-timeout <seconds>",
      "kill a git command running longer than this",
      positiveSeconds,
      DEFAULT_GIT_TIMEOUT_S,
    );
}

/** Reads a batch as UTF-8 text; throws, without reading the rest, past {@linkcode MAX_BATCH_BYTES}. */
async function readAtMost(stream: ReadableStream<Uint8Array>): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > MAX_BATCH_BYTES) throw new BatchError(batchTooLarge(`more than ${MAX_BATCH_BYTES}`));
    chunks.push(chunk);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.length;
  }
  return new TextDecoder().decode(all);
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
    await run(
      handlerOptions(opts, test),
      async (o) => handleBatch(words[0] ?? await readAtMost(Deno.stdin.readable), o),
    );
  });
  for (const name of EVENT_NAMES) {
    addOptions(
      command.command(name)
        .description(`handle one ${name} payload directly, as if it came in an event`)
        .argument("<json>", `the ${name} payload`)
        .option("--event-id <id>", "event ID (default: a random UUID)"),
    ).action(async (json: string, _opts: CliOptions, self: Command) => {
      const opts = self.optsWithGlobals<CliOptions>();
      const event = makeEvent(opts.eventId ?? crypto.randomUUID(), name, json);
      await run(handlerOptions(opts, opts.test === true), (o) => handleEvents([event], o));
    });
  }
  return command;
}
