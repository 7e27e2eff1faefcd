/**
 * `rollback [VERSION] REPO_URL`: one command back to the last good version. The target is
 * VERSION (a record id, a commit id or prefix) or the newest converged record before the current
 * rollout; its commit's tree is synced by sync itself (the same validation, cluster lock,
 * deployment index and atomic import), from ALL STOP too and past hosts that have not converged,
 * and the cluster is pinned to it in the same transaction as the bump. `--dry-run` prints the
 * tree diff and each reporting host's plan, changing nothing.
 *
 * @module
 */
import { Command } from "commander";
import { createLogger, parseLogFormat } from "../log.ts";
import { RealRunner } from "../proc/real.ts";
import { DEFAULT_GIT_TIMEOUT_S, GitRunner } from "../git_runner.ts";
import { sameVersion, showVersion, whoAmI } from "../cluster/mod.ts";
import { addLogFormatOption, addStoreOption, timeoutOption } from "../cli/options.ts";
import { openStoreForCli } from "../cli/open_store.ts";
import { CliError } from "../cli/run.ts";
import { defaultTreeDir, isCommitName, validateRepoUrl } from "../sync/git.ts";
import { syncRepository } from "../sync/sync.ts";
import type { Store } from "../store/types.ts";
import { findEntry, type History, readHistory } from "./history_read.ts";
import { planTree } from "./plan_tree.ts";
import { formatHostReport, hostReportJson, planHost, withoutEphemeral } from "./plan_hosts.ts";

interface RollbackFlags {
  store: string;
  branch?: string;
  treeDir?: string;
  dryRun: boolean;
  json: boolean;
  timeout: number;
  logFormat: string;
}

/** The commit to roll back to: what VERSION names, or the newest converged record before. */
export function rollbackTarget(history: History, text: string | undefined): string {
  const current = history.fleet.version;
  if (text !== undefined) {
    let entry;
    try {
      entry = findEntry(history, text);
    } catch (error) {
      throw new CliError((error as Error).message);
    }
    if (entry?.record !== undefined) return entry.record.version;
    if (isCommitName(text)) return text;
    throw new CliError(`'${text}' is neither a rollout record nor a commit id`, 2);
  }
  const good = history.entries.slice(1).find((e) =>
    e.state === "converged" && e.record !== undefined && !sameVersion(e.record.version, current)
  );
  if (good === undefined) {
    throw new CliError(
      "no converged rollout before the current one: name the VERSION to roll back to " +
        "(see clusterdeploy history)",
    );
  }
  return good.record!.version;
}

async function dryRun(
  store: Store,
  history: History,
  target: string,
  repo: string,
  flags: RollbackFlags,
) {
  const git = new GitRunner(new RealRunner(), { timeoutS: DEFAULT_GIT_TIMEOUT_S });
  const source = {
    repo,
    branch: flags.branch,
    treeDir: flags.treeDir ?? defaultTreeDir(repo),
    rollbackTo: target,
  };
  const tree = await planTree(store, history.fleet, git, source);
  const live = withoutEphemeral(tree.live);
  const desired = withoutEphemeral(tree.desired);
  const hosts = history.fleet.hosts.map((h) =>
    planHost(
      {
        host: { id: h.id, name: h.name ?? h.id, role: h.role },
        registered: true,
        version: h.version,
        converged: h.converged,
      },
      live,
      desired,
    )
  );
  if (flags.json) {
    console.log(JSON.stringify(
      {
        from: history.fleet.version ?? null,
        to: tree.source?.commit ?? target,
        ops: tree.diff.ops,
        lines: tree.lines,
        hosts: hosts.map(hostReportJson),
      },
      null,
      2,
    ));
    return;
  }
  console.log(
    `Rollback (dry run, nothing changed): ${showVersion(history.fleet.version)} -> ` +
      `${tree.source?.commit ?? target}, then pinned`,
  );
  for (const line of tree.lines.length === 0 ? ["no tree changes"] : tree.lines) console.log(line);
  for (const host of hosts) for (const line of ["", ...formatHostReport(host)]) console.log(line);
}

async function runRollback(first: string, second: string | undefined, flags: RollbackFlags) {
  const [text, repo] = second === undefined ? [undefined, first] : [first, second];
  try {
    validateRepoUrl(repo);
  } catch (error) {
    throw new CliError((error as Error).message, 2);
  }
  const log = createLogger({ format: parseLogFormat(flags.logFormat) });
  const store = await openStoreForCli(flags.store, { mustExist: true, timeoutMs: flags.timeout });
  try {
    const history = await readHistory(store);
    const target = rollbackTarget(history, text);
    const current = history.fleet.version;
    if (typeof current === "string" && current.startsWith(target)) {
      throw new CliError(`the cluster is already at ${current}: nothing to roll back`);
    }
    if (flags.dryRun) return await dryRun(store, history, target, repo, flags);
    if (current === null) log.warning("Rolling back out of ALL STOP (cluster version None)");
    log.info(`Rolling back from ${showVersion(current)} to ${target}`);
    const result = await syncRepository({
      store,
      runner: new GitRunner(new RealRunner(), { timeoutS: DEFAULT_GIT_TIMEOUT_S }),
      log,
      repoUrl: repo,
      branch: flags.branch,
      treeDir: flags.treeDir ?? defaultTreeDir(repo),
      timeoutMs: flags.timeout,
      rollbackTo: target,
      by: whoAmI(),
    });
    if (result.status === "synced") {
      log.info(`Rolled back to ${result.commit}; the cluster is pinned (clusterdeploy unpin)`);
    }
    Deno.exitCode = result.status === "synced" ? 0 : 1;
  } finally {
    await store.close();
  }
}

/** Builds `rollback`. */
export function rollbackCommand(): Command {
  const command = addStoreOption(
    new Command("rollback")
      .description(
        "go back to the last good version: sync VERSION's tree (default: the newest converged " +
          "rollout before the current one), even from ALL STOP, and pin the cluster there",
      )
      .argument("<version-or-repo-url>", "VERSION (record id, commit or prefix), or REPO_URL")
      .argument("[repo-url]", "git URL or path of the tree repository (when VERSION is given)")
      .option("--branch <name>", "branch to fetch (default: the remote's default branch)")
      .option("--tree-dir <dir>", "working checkout (default: sync's per-URL directory)")
      .option("--dry-run", "print the tree diff and each host's plan; change nothing", false)
      .option("--json", "with --dry-run: print JSON for scripts", false)
      .addOption(timeoutOption()),
  );
  return addLogFormatOption(command)
    .addHelpText(
      "after",
      "\nAfter a rollback the cluster is PINNED: a plain sync (and sync --force) logs a WARNING " +
        "and changes nothing until `clusterdeploy unpin`. A target commit no longer in the " +
        "repository is an error; nothing is changed." +
        "\nExit status: 0 rolled back (or planned), 1 refused or failed, 2 usage error.",
    )
    .action(runRollback);
}
