/**
 * What `handler` does once its command line is parsed (loaded by lib/handler/cli.ts only when
 * events are handled, so `--help` does not load Consul, YAML and the planning).
 *
 * @module
 */
import { createLogger } from "../log.ts";
import { RealRunner } from "../proc/real.ts";
import { GitRunner } from "../git_runner.ts";
import type { HandlerFlags } from "./flags.ts";
import { HttpConsul } from "./consul.ts";
import { BatchError } from "./errors.ts";
import { batchTooLarge, makeEvent, MAX_BATCH_BYTES } from "./event.ts";
import { handleBatch, handleEvents, type HandlerOptions } from "./handle.ts";
import { message } from "../error_message.ts";
import { readBounded } from "../read_bounded.ts";

/** Handles a batch of events: `json`, or standard input when undefined; sets `Deno.exitCode`. */
export async function runBatch(
  json: string | undefined,
  opts: HandlerFlags,
  test: boolean,
): Promise<void> {
  await run(
    handlerOptions(opts, test),
    async (o) => handleBatch(json ?? await readStdin(), o),
  );
}

/** Handles one `name` payload as if it came in an event; sets `Deno.exitCode`. */
export async function runOne(name: string, json: string, opts: HandlerFlags): Promise<void> {
  const event = makeEvent(opts.eventId ?? crypto.randomUUID(), name, json);
  await run(handlerOptions(opts, opts.test === true), (o) => handleEvents([event], o));
}

const encoder = new TextEncoder();

/** Builds the handler's options from the command line ones. */
function handlerOptions(o: HandlerFlags, test: boolean): HandlerOptions {
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
    options.logger.critical(message(error));
    Deno.exitCode = 1;
  } finally {
    options.consul.close();
  }
}

/** Reads a batch as UTF-8 text; throws, without reading the rest, past {@linkcode MAX_BATCH_BYTES}. */

/** The events on standard input, refused past the batch limit before the rest is read. */
async function readStdin(): Promise<string> {
  const bytes = await readBounded(
    Deno.stdin.readable,
    MAX_BATCH_BYTES,
    () => new BatchError(batchTooLarge(`more than ${MAX_BATCH_BYTES}`)),
  );
  return new TextDecoder().decode(bytes);
}
