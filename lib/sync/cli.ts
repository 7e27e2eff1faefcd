/**
 * The `sync` command line: `sync [--store CONNECT] [--branch NAME] [--tree-dir DIR] [--dry-run]
 * [--force] [--git-timeout S] [--max-node-bytes N] [--log-format text|json] REPO_URL`.
 *
 * @module
 */
import { Command, InvalidArgumentError } from "commander";
import {
  addLogFormatOption,
  addStoreOption,
  MAX_NODE_BYTES_HELP,
  parseMaxNodeBytes,
  parsePositiveSeconds,
  timeoutOption,
} from "../cli/options.ts";
import { DEFAULT_GIT_TIMEOUT_S } from "../git_runner.ts";
import { DEFAULT_MAX_NODE_BYTES } from "../tree/limits.ts";
import { type SyncFlags } from "./flags.ts";

/** Parses `--keep-history`: a whole number of records, at least 1. */
export function parseKeepHistory(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError("expected a whole number of records, at least 1");
  }
  return n;
}

/** Builds the `sync` command. */
export function syncCommand(): Command {
  const command = addStoreOption(
    new Command("sync")
      .description(
        "Import a git repository of tree files (*.zk, then *.zkx) into the cluster store and " +
          "bump the cluster version (/hosts version) to the commit.",
      )
      .argument("<repo-url>", "git URL or path of the tree repository"),
  )
    .option("--branch <name>", "branch to sync (default: the remote's default branch)")
    .option("--tree-dir <dir>", "working checkout (default: a per-URL directory in ~/.cache)")
    .option("--dry-run", "print what would change; change nothing", false)
    .option(
      "--force",
      "sync even while some hosts have not converged (never under ALL STOP)",
      false,
    )
    .option(
      "--git-timeout <seconds>",
      "kill a git command running longer than this",
      parsePositiveSeconds,
      DEFAULT_GIT_TIMEOUT_S,
    )
    .option("--max-node-bytes <n>", MAX_NODE_BYTES_HELP, parseMaxNodeBytes, DEFAULT_MAX_NODE_BYTES)
    .option(
      "--keep-history <n>",
      "rollout records to keep under /rollouts (the oldest beyond are removed)",
      parseKeepHistory,
      100,
    )
    .addOption(timeoutOption());
  return addLogFormatOption(command)
    .option("--verbose", "also log debug detail", false)
    .addHelpText(
      "after",
      "\nOne sync at a time per --tree-dir: another one running for it makes this one log " +
        "'Another sync is running for DIR' and exit 0.\n" +
        "A lost ZooKeeper connection (server restart, leader election) is waited for: the import " +
        "then re-reads the tree and goes on. Sync fails (exit 1, version not bumped) only when " +
        "the session expired or ZooKeeper stayed unreachable past --timeout.\n" +
        "Every bump writes a rollout record (see clusterdeploy history) in the same transaction. " +
        "A cluster pinned by clusterdeploy rollback is not synced (a WARNING, exit 0), --force " +
        "or not, until clusterdeploy unpin." +
        "\nExit status: 0 synced or nothing to do, 1 refused or failed, 2 usage error.",
    )
    .action(async (repoUrl: string, opts: SyncFlags) => {
      // The store, git and the importer load only when a sync runs (not for --help).
      const { runSync } = await import("./cli_run.ts");
      await runSync(repoUrl, opts);
    });
}
