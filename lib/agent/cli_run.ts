/**
 * What `agent` does once its command line is parsed (loaded by lib/agent/cli.ts only when the
 * agent runs, so `--help` does not load the store and the agent).
 *
 * @module
 */
import { CliError } from "../cli/run.ts";
import { createLogger, type Logger, parseLogFormat } from "../log.ts";
import { RealRunner } from "../proc/real.ts";
import { type OpenForCli, openStoreForCli } from "../cli/open_store.ts";
import { openStore } from "../store/open.ts";
import { type Store, StoreError } from "../store/types.ts";
import { connectWithRetry } from "./connect.ts";
import { showVersion } from "../cluster/mod.ts";
import { Agent } from "./agent.ts";
import { planForHost } from "./bump.ts";
import type { AgentOptions } from "./options.ts";
import { parseAfterHook } from "./after_hook.ts";
import { packageManager } from "./packages/mod.ts";
import { describeStep } from "./plan.ts";
import { hostRolloutLines } from "./health_check.ts";
import type { AgentFlags } from "./flags.ts";
import { message } from "../error_message.ts";
import { type AgentConfig, readAgentConfig } from "./config.ts";
import { assertStoreAddress } from "./assert_address.ts";

/** Runs the agent with the parsed options; sets `Deno.exitCode`. */
export async function runAgent(flags: AgentFlags): Promise<void> {
  const timeout = positiveSeconds("--command-timeout", flags.commandTimeout);
  const session = positiveSeconds("--session-timeout", flags.sessionTimeout);
  const config = flags.config === undefined ? null : await configFile(flags.config);
  const after = flags.after !== undefined ? afterHook(flags.after) : config?.after ?? null;
  if (flags.assertZookeeperAddress !== undefined) {
    try {
      await assertStoreAddress(flags.store, flags.assertZookeeperAddress);
    } catch (error) {
      throw new CliError(message(error), 2);
    }
  }
  const logger = createLogger({ format: parseLogFormat(flags.logFormat), debug: flags.debug });
  // One connection attempt may take as long as the session may be cut off.
  const how = {
    zookeeper: { sessionTimeoutMs: session * 1000, connectTimeoutMs: session * 1000 },
  };
  const daemon = !flags.dryRun && !flags.runOnce;
  const stopping = daemon ? stopSignal() : undefined;
  try {
    const store = daemon
      ? await connectDaemon(flags.store, how, logger, stopping!.signal)
      : await openStoreForCli(flags.store, how);
    if (store === null) return; // stopped while connecting
    try {
      const options: AgentOptions = {
        store,
        runner: new RealRunner(),
        logger,
        root: flags.root,
        hostName: flags.hostName ?? Deno.hostname(),
        packages: packageManager(flags.packageManager),
        verbose: flags.verbose,
        commandTimeoutMs: timeout * 1000,
        after,
        statusFile: flags.statusFile,
        config,
      };
      Deno.exitCode = flags.dryRun
        ? await dryRun(options)
        : flags.runOnce
        ? await runOnce(options)
        : await runUntilSignal(options, logger, stopping!.stopped);
    } finally {
      await store.close();
    }
  } finally {
    stopping?.dispose();
  }
}

function positiveSeconds(flag: string, value: string): number {
  const seconds = Number(value);
  if (!(seconds > 0)) throw new CliError(`${flag} must be a positive number, not '${value}'`, 2);
  return seconds;
}

/** SIGTERM/SIGINT as an abort signal and a promise. */
function stopSignal() {
  const controller = new AbortController();
  const signals: Deno.Signal[] = ["SIGTERM", "SIGINT"];
  let resolve = () => {};
  const stopped = new Promise<void>((r) => resolve = r);
  const stop = () => {
    controller.abort(new Error("stopped by a signal"));
    resolve();
  };
  for (const signal of signals) Deno.addSignalListener(signal, stop);
  return {
    signal: controller.signal,
    stopped,
    dispose: () => {
      for (const signal of signals) Deno.removeSignalListener(signal, stop);
    },
  };
}

/** The daemon's store: connection failures retried (see `connect.ts`); null when stopped. */
async function connectDaemon(
  connect: string,
  how: OpenForCli,
  logger: Logger,
  signal: AbortSignal,
): Promise<Store | null> {
  try {
    return await connectWithRetry({
      open: () => openStore(connect, how.zookeeper),
      what: connect,
      logger,
      signal,
    });
  } catch (error) {
    if (signal.aborted) {
      logger.info("Agent stopping");
      return null;
    }
    if (error instanceof StoreError) {
      // Not a connection failure (a bad address, no permission): fail as every command does.
      return await openStoreForCli(connect, how);
    }
    throw error;
  }
}

/** The configuration file, read and checked before anything else (a problem: exit 2). */
async function configFile(file: string): Promise<AgentConfig> {
  try {
    return await readAgentConfig(file);
  } catch (error) {
    throw new CliError(message(error), 2);
  }
}

function afterHook(text: string | undefined): string[] | null {
  try {
    return parseAfterHook(text);
  } catch (error) {
    throw new CliError(message(error), 2);
  }
}

async function dryRun(options: AgentOptions): Promise<number> {
  const plan = await planForHost(options);
  const { host } = plan;
  const lines = [
    `Host ${host.id} (${host.name}${host.role === null ? "" : `, role ${host.role}`}): ` +
    `cluster version ${showVersion(plan.clusterVersion)}, host version ${
      showVersion(plan.hostVersion)
    }`,
    ...(plan.steps.length === 0
      ? ["  nothing to do"]
      : plan.steps.map((s) => `  ${describeStep(s)}`)),
  ];
  const rollout = await hostRolloutLines(options.root, plan.steps);
  if (rollout.length > 0) lines.push("  rollout:", ...rollout.map((l) => `    ${l}`));
  console.log(lines.join("\n"));
  return 0;
}

async function runOnce(options: AgentOptions): Promise<number> {
  const agent = await start(options);
  try {
    return await agent.runOnce() ? 0 : 1;
  } finally {
    await agent.close();
  }
}

async function runUntilSignal(
  options: AgentOptions,
  logger: Logger,
  stopped: Promise<void>,
): Promise<number> {
  const agent = await start(options);
  agent.watch();
  await stopped;
  logger.info("Agent stopping");
  await agent.close();
  return 0;
}

async function start(options: AgentOptions): Promise<Agent> {
  try {
    return await Agent.start(options);
  } catch (error) {
    throw new CliError(`Agent cannot start: ${message(error)}`);
  }
}
