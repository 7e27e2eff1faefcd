/**
 * The `agent` command line: `agent [--store CONNECT] [--root DIR] [--run-once] [--verbose]
 * [--debug] [--dry-run] [--package-manager yum|dnf|apt] [--host-name NAME]
 * [--log-format text|json] [--command-timeout SECONDS] [--session-timeout SECONDS]
 * [--after 'COMMAND ARG…'] [--status-file FILE] [--config FILE] [-z ADDRESS]`.
 *
 * @module
 */
import { Command, Option } from "commander";
import { addLogFormatOption, addStoreOption } from "../cli/options.ts";
import { PACKAGE_MANAGERS } from "./packages/types.ts";
import { type AgentFlags } from "./flags.ts";

/** Default limit on one command's run time, in seconds. */
export const DEFAULT_COMMAND_TIMEOUT = 3600;

/** Default ZooKeeper session timeout of the agent, in seconds. */
export const DEFAULT_SESSION_TIMEOUT = 10;

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
      "the one-record status file for `clusterdeploy monitor` (default: <root>/etc/zim/status, " +
        "or <run-directory>/status with --config)",
    )
    .option(
      "--config <file>",
      "the reference's agent configuration (INI, section [zkdeployment]: host-id and " +
        "run-directory required, role and after optional; a file:/// or http(s):// value is " +
        "fetched): replaces etc/zmh/pxemac, etc/zim/role and etc/zim/{status,host_version}",
    )
    .option(
      "-z, --assert-zookeeper-address <address>",
      "refuse to start (exit 2) unless every host of the ZooKeeper connect string resolves to " +
        "ADDRESS (an IP; a comma-separated list for an ensemble); a file: store is refused",
    );
  addLogFormatOption(command)
    .addHelpText(
      "after",
      "\nExit status: 0 ok (or stopped by a signal), 1 failed deployment or error, 2 usage error.",
    )
    .action(async (flags: AgentFlags) => {
      // The store, the agent and its planning load only when it runs (not for --help).
      const { runAgent } = await import("./cli_run.ts");
      await runAgent(flags);
    });
  return command;
}
