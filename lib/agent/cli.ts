/**
 * The `agent` command line: `agent [--store CONNECT] [--root DIR] [--run-once] [--verbose]
 * [--debug] [--dry-run] [--package-manager yum|dnf|apt] [--host-name NAME]
 * [--log-format text|json] [--command-timeout SECONDS] [--session-timeout SECONDS]
 * [--after 'COMMAND ARG…'] [--status-file FILE]`.
 *
 * @module
 */
import { Command, Option } from "commander";
import { CliError } from "../command/run.ts";
import { addLogFormatOption, addStoreOption } from "../command/options.ts";
import { createLogger, type Logger, parseLogFormat } from "../log.ts";
import { RealRunner } from "../proc/real.ts";
import { type OpenForCli, openStoreForCli } from "../command/open_store.ts";
import { openStore } from "../store/open.ts";
import { type Store, StoreError } from "../store/types.ts";
import { connectWithRetry } from "./connect.ts";
import { showVersion } from "../sync/cluster_version.ts";
import { Agent, type AgentOptions, planForHost } from "./agent.ts";
import { message } from "./identity.ts";
import { parseAfterHook } from "./after_hook.ts";
import { PACKAGE_MANAGERS, packageManager, type PackageManagerName } from "./packages/mod.ts";
import { describeStep } from "./plan.ts";

/** Default limit on one command's run time, in seconds. */
export const DEFAULT_COMMAND_TIMEOUT = 3600;

/** Default ZooKeeper session timeout of the agent, in seconds. */
export const DEFAULT_SESSION_TIMEOUT = 10;

interface AgentFlags {
  store: string;
  root: string;
  runOnce: boolean;
  verbose: boolean;
  debug: boolean;
  dryRun: boolean;
  packageManager: PackageManagerName;
  hostName?: string;
  logFormat: string;
  commandTimeout: string;
  sessionTimeout: string;
  after?: string;
  statusFile?: string;
}

/** Builds the `agent` command. */
export function agentCommand(): Command {
  const command = new Command("agent")
    .description(
      "Keep this host at the cluster version: watch /hosts and, when the version changes, " +
        "install packages and run deploy scripts for this host's deployments.",
    );
  addStoreOption(command)
    .option("--root <dir>", "root of all local paths", Deno.env.get("TEST_ROOT") ?? "/")
    .option("--run-once", "deploy at most once if behind, then exit", false)
    .option("--verbose", "log the output of successful commands too", false)
    .option("--debug", "log debug detail too (such as where the deployments were read from)", false)
    .option("--dry-run", "print this host's plan for the cluster version; change nothing", false)
    .addOption(
      new Option("--package-manager <name>", "package backend")
        .choices([...PACKAGE_MANAGERS]).default("yum"),
    )
    .option("--host-name <name>", "this host's name (default: the machine's host name)")
    .option(
      "--command-timeout <seconds>",
      "kill a command (yum, deploy script, build) running longer than this",
      String(DEFAULT_COMMAND_TIMEOUT),
    )
    .option(
      "--session-timeout <seconds>",
      "ZooKeeper session timeout: how long the agent may be cut off (or frozen) before it loses " +
        "its host node and the app lock it holds (the server may bound it)",
      String(DEFAULT_SESSION_TIMEOUT),
    )
    .option(
      "--after <command>",
      "run COMMAND (split on whitespace, no shell) after every successful or abandoned " +
        "deployment; its failure fails the deployment (empty: none)",
    )
    .option(
      "--status-file <file>",
      "the one-record status file for `clusterdeploy monitor` (default: <root>/etc/zim/status)",
    );
  addLogFormatOption(command)
    .addHelpText(
      "after",
      "\nExit status: 0 ok (or stopped by a signal), 1 failed deployment or error, 2 usage error.",
    )
    .action(async (flags: AgentFlags) => {
      const timeout = positiveSeconds("--command-timeout", flags.commandTimeout);
      const session = positiveSeconds("--session-timeout", flags.sessionTimeout);
      const after = afterHook(flags.after);
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
    });
  return command;
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
