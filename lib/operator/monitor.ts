/**
 * `clusterdeploy monitor`: a Nagios-style check of this host's agent (exit 0 OK, 1 WARNING,
 * 2 CRITICAL; one line of text with perfdata), from its status file, its `/hosts/<id>` node and
 * the cluster version. See `lib/agent/monitor_check.ts` for the rules. With `--cluster`, the
 * cluster-wide convergence check instead (`cluster_monitor.ts`, `cluster_check.ts`).
 *
 * @module
 */
import { Command } from "commander";
import { getProperties } from "../store/tree_io.ts";
import type { Store } from "../store/types.ts";
import { type ConfiguredIdentity, readIdentity, runDirectoryFile } from "../agent/identity.ts";
import { readAgentConfig } from "../agent/config.ts";
import { CLUSTER_ERROR, CLUSTER_WARN, runClusterMonitor } from "./cluster_monitor.ts";
import { checkHost, CRITICAL, formatVerdict, type MonitorVerdict } from "../agent/monitor_check.ts";
import { defaultStatusFile, parseStatus, type StatusRecord } from "../agent/status_file.ts";
import { CliError } from "../cli/run.ts";
import { addStoreOption } from "../cli/options.ts";
import { withStore } from "../cli/open_store.ts";
import { message } from "../error_message.ts";
import { HOSTS_PATH } from "../cluster/mod.ts";

/** What a monitor run needs. */
export interface MonitorOptions {
  /** The agent's root (identity files, default status file). */
  root: string;
  /** The status file (default `<root>/etc/zim/status`, or `<run-directory>/status`). */
  statusFile?: string;
  /** The agent's configuration file's identity and run directory (`--config`), if any. */
  config?: ConfiguredIdentity | null;
  /** Warning age, seconds. */
  warn: number;
  /** Critical age, seconds. */
  error: number;
}

/** Reads the status file; a problem becomes the text of a CRITICAL verdict. */
async function readStatus(file: string): Promise<StatusRecord | { error: string }> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound ? "no such file" : message(error);
    return { error: `Cannot read the status file ${file}: ${reason}` };
  }
  try {
    return parseStatus(text, file);
  } catch (error) {
    return { error: message(error) };
  }
}

/** Checks this host against `store`; the verdict and its plugin line. */
export async function runMonitor(
  store: Store,
  options: MonitorOptions,
): Promise<MonitorVerdict & { line: string }> {
  const host = await readIdentity(options.root, "", options.config);
  const hostNode = await getProperties(store, `${HOSTS_PATH}/${host.id}`);
  const hosts = await getProperties(store, HOSTS_PATH);
  const clusterVersion = hosts === null ? undefined : hosts.version ?? null;
  const status = await readStatus(
    options.statusFile ??
      (options.config
        ? runDirectoryFile(options.config, "status")
        : defaultStatusFile(options.root)),
  );
  const verdict = checkHost({
    hostId: host.id,
    hostNode,
    clusterVersion,
    status,
    now: Date.now() / 1000,
    warn: options.warn,
    error: options.error,
  });
  return { ...verdict, line: formatVerdict(verdict, options.warn, options.error) };
}

function seconds(text: string, flag: string): number {
  const value = Number(text);
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw new CliError(`${flag} must be a number of seconds, not '${text}'`, 2);
  }
  return value;
}

/** Builds `monitor`. */
export function monitorCommand(): Command {
  return addStoreOption(
    new Command("monitor")
      .description(
        "Nagios-style check of this host's agent: its status file, its /hosts/<id> node and " +
          "the cluster version (exit 0 OK, 1 WARNING, 2 CRITICAL; one line with perfdata); " +
          "with --cluster, whether every host has converged to the cluster version",
      )
      .option(
        "--cluster",
        "check the whole cluster instead, from the store only: the longest-lagging host " +
          "(defaults --warn 900, --error 1800; ALL STOP is CRITICAL)",
        false,
      )
      .option("--root <dir>", "the agent's root", Deno.env.get("TEST_ROOT") ?? "/")
      .option("--status-file <file>", "the agent's status file (default <root>/etc/zim/status)")
      .option(
        "--config <file>",
        "the agent's configuration file (agent --config): its host-id and " +
          "<run-directory>/status instead of the files below --root",
      )
      .option(
        "-w, --warn <seconds>",
        "warn when unfinished work is older than this (default 200; --cluster: a host " +
          "behind for longer, default 900)",
      )
      .option(
        "-e, --error <seconds>",
        "critical when unfinished work is older than this (default 600; --cluster: a host " +
          "behind for longer, default 1800)",
      )
      .addHelpText(
        "after",
        "\nExit status: 0 OK, 1 WARNING, 2 CRITICAL (also when the store cannot be reached or " +
          "the status file cannot be read, and for a usage error).",
      ),
  ).action(
    async (
      opts: {
        store: string;
        root: string;
        statusFile?: string;
        config?: string;
        cluster: boolean;
        warn?: string;
        error?: string;
      },
    ) => {
      const warn = seconds(opts.warn ?? String(opts.cluster ? CLUSTER_WARN : 200), "--warn");
      const error = seconds(opts.error ?? String(opts.cluster ? CLUSTER_ERROR : 600), "--error");
      if (opts.cluster && (opts.config !== undefined || opts.statusFile !== undefined)) {
        throw new CliError("--cluster reads the store only: no --config or --status-file", 2);
      }
      let result: { code: number; line: string };
      try {
        if (opts.cluster) {
          result = await withStore(
            opts.store,
            (store) => runClusterMonitor(store, { warn, error }),
            { mustExist: true, readOnly: true },
          );
        } else {
          const config = opts.config === undefined ? null : await readAgentConfig(opts.config);
          result = await withStore(
            opts.store,
            (store) => runMonitor(store, { ...opts, config, warn, error }),
            { mustExist: true, readOnly: true },
          );
        }
      } catch (failure) {
        result = { code: CRITICAL, line: `DEPLOY CRITICAL: ${message(failure)}` };
      }
      console.log(result.line);
      Deno.exitCode = result.code;
    },
  );
}
