/**
 * The `agent` command line: `agent [--store CONNECT] [--root DIR] [--run-once] [--verbose]
 * [--dry-run] [--package-manager yum|dnf|apt] [--host-name NAME] [--log-format text|json]
 * [--command-timeout SECONDS]`.
 *
 * @module
 */
import { Command, Option } from "commander";
import { CliError } from "../cli/run.ts";
import { addLogFormatOption, addStoreOption } from "../cli/store_option.ts";
import { createLogger, type Logger, parseLogFormat } from "../log.ts";
import { RealRunner } from "../proc/real.ts";
import { openStoreForCli } from "../cli/with_store.ts";
import { showVersion } from "../sync/cluster_version.ts";
import { Agent, type AgentOptions, planForHost } from "./agent.ts";
import { message } from "./identity.ts";
import { PACKAGE_MANAGERS, packageManager, type PackageManagerName } from "./packages/mod.ts";
import { describeStep } from "./plan.ts";

/** Default limit on one command's run time, in seconds. */
export const DEFAULT_COMMAND_TIMEOUT = 3600;

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
    );
  addLogFormatOption(command)
    .addHelpText(
      "after",
      "\nExit status: 0 ok (or stopped by a signal), 1 failed deployment or error, 2 usage error.",
    )
    .action(async (flags: AgentFlags) => {
      const timeout = Number(flags.commandTimeout);
      if (!(timeout > 0)) {
        throw new CliError(
          `--command-timeout must be a positive number, not '${flags.commandTimeout}'`,
          2,
        );
      }
      const logger = createLogger({ format: parseLogFormat(flags.logFormat), debug: flags.debug });
      const store = await openStoreForCli(flags.store);
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
        };
        Deno.exitCode = flags.dryRun
          ? await dryRun(options)
          : flags.runOnce
          ? await runOnce(options)
          : await runUntilSignal(options, logger);
      } finally {
        await store.close();
      }
    });
  return command;
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

async function runUntilSignal(options: AgentOptions, logger: Logger): Promise<number> {
  const agent = await start(options);
  agent.watch();
  const signals: Deno.Signal[] = ["SIGTERM", "SIGINT"];
  let stop = () => {};
  const stopped = new Promise<void>((resolve) => stop = resolve);
  for (const signal of signals) Deno.addSignalListener(signal, stop);
  try {
    await stopped;
    logger.info("Agent stopping");
    await agent.close();
    return 0;
  } finally {
    for (const signal of signals) Deno.removeSignalListener(signal, stop);
  }
}

async function start(options: AgentOptions): Promise<Agent> {
  try {
    return await Agent.start(options);
  } catch (error) {
    throw new CliError(`Agent cannot start: ${message(error)}`);
  }
}
