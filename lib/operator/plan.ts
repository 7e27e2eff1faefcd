/**
 * `plan [REPO_URL] [--host ID ...]`: what a sync would change in the tree, and what the agent
 * would do on each host named. Reads the store; writes nothing to it (not even lock nodes).
 *
 * @module
 */
import { Command } from "commander";
import { readIdentity } from "../agent/identity.ts";
import { scanInstalled } from "../agent/installed.ts";
import { scanControllers } from "../agent/role_controller.ts";
import { RealRunner } from "../proc/real.ts";
import { DEFAULT_GIT_TIMEOUT_S, GitRunner } from "../git_runner.ts";
import type { Store } from "../store/types.ts";
import { showVersion } from "../cluster/mod.ts";
import { defaultTreeDir } from "../sync/git.ts";
import { type FleetStatus, readFleetStatus } from "./fleet_status.ts";
import {
  formatHostReport,
  type HostInput,
  type HostReport,
  hostReportJson,
  planHost,
  withoutEphemeral,
} from "./plan_hosts.ts";
import { planTree, type RepoSource, type TreePlan } from "./plan_tree.ts";
import { CliError } from "../cli/run.ts";
import { addStoreOption, timeoutOption } from "../cli/options.ts";
import { withStore } from "../cli/open_store.ts";
import { type HostIdentity } from "../cluster/mod.ts";

interface PlanFlags {
  store: string;
  branch?: string;
  treeDir?: string;
  host: string[];
  hostName?: string;
  role?: string;
  root?: string;
  json: boolean;
  timeout: number;
}

const HELP_AFTER = `
Tree part: with REPO_URL the working checkout is brought to the branch's tip as sync does, every
*.zk/*.zkx file is parsed and validated, and the changes are printed as \`sync --dry-run\` prints
them, with the version bump and whether sync would run now. Without REPO_URL the live tree is
planned as it is.

Host part, for each --host ID: the host's name and role come from its /hosts/<id> node when it
has one, otherwise from --host-name (default: the id) and --role. The installed state of a
remote host is not known here, so it is ASSUMED to be what the live tree gives the host (what it
converged to): the plan is the agent's plan from the live tree's deployments to the planned
tree's. With --root DIR (one host only) it is instead read from DIR as the agent reads it under
its root (opt/<pkg>, etc/<app>/*.deployed), and the id and role come from DIR's etc/zmh/pxemac
and etc/zim/role.

Nothing is written to the store. Exit status: 0 planned, 1 error (bad tree file, git failure,
or a host the agent would fail on: role conflict, inconsistent versions), 2 usage error.`;

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Builds `plan`. */
export function planCommand(): Command {
  return addStoreOption(
    new Command("plan")
      .description(
        "show what a sync of REPO_URL would change in the tree, and what the agent would do on " +
          "each --host; change nothing",
      )
      .argument("[repo-url]", "git URL or path of the tree repository (default: the live tree)")
      .option("--branch <name>", "branch to plan (default: the remote's default branch)")
      .option("--tree-dir <dir>", "working checkout (default: sync's per-URL directory)")
      .option("--host <id>", "plan this host too (repeatable)", collect, [])
      .option("--host-name <name>", "the host's name when it has no /hosts/<id> node")
      .option("--role <role>", "the host's role when it has no /hosts/<id> node")
      .option("--root <dir>", "read one host's installed state (and id, role) below DIR")
      .option("--json", "print JSON for scripts", false)
      .addOption(timeoutOption())
      .addHelpText("after", HELP_AFTER),
  ).action(async (repoUrl: string | undefined, flags: PlanFlags) => {
    const source = repoSource(repoUrl, flags);
    for (const id of flags.host) checkHostId(id, "--host");
    if (flags.root !== undefined && flags.host.length > 1) {
      throw new CliError("--root reads one host's installed state: give at most one --host", 2);
    }
    const { tree, hosts } = await withStore(flags.store, (store) => plan(store, source, flags), {
      mustExist: true,
      readOnly: true,
      timeoutMs: flags.timeout,
    });
    if (flags.json) {
      console.log(JSON.stringify(planJson(tree, hosts), null, 2));
    } else {
      for (const line of formatPlan(tree, hosts)) console.log(line);
    }
    if (hosts.some((h) => h.error !== null)) Deno.exitCode = 1;
  });
}

function repoSource(repoUrl: string | undefined, flags: PlanFlags): RepoSource | undefined {
  if (repoUrl === undefined) {
    if (flags.branch !== undefined || flags.treeDir !== undefined) {
      throw new CliError("--branch and --tree-dir need a REPO_URL", 2);
    }
    return undefined;
  }
  return {
    repo: repoUrl,
    branch: flags.branch,
    treeDir: flags.treeDir ?? defaultTreeDir(repoUrl),
  };
}

function checkHostId(id: string, where: string): void {
  if (id === "" || id.includes("/") || id.trim() !== id) {
    throw new CliError(`${where}: not a host id: '${id}'`, 2);
  }
}

async function plan(
  store: Store,
  source: RepoSource | undefined,
  flags: PlanFlags,
): Promise<{ tree: TreePlan; hosts: HostReport[] }> {
  const fleet = await readFleetStatus(store);
  const git = new GitRunner(new RealRunner(), { timeoutS: DEFAULT_GIT_TIMEOUT_S });
  const tree = await planTree(store, fleet, git, source);
  const live = withoutEphemeral(tree.live);
  const desired = withoutEphemeral(tree.desired);
  const inputs = flags.root === undefined
    ? flags.host.map((id) => hostInput(fleet, flags, id, null))
    : [await rootHostInput(fleet, flags, flags.root)];
  return { tree, hosts: inputs.map((input) => planHost(input, live, desired)) };
}

/** A host as the fleet knows it; `role` from the root's file when given. */
function hostInput(
  fleet: FleetStatus,
  flags: PlanFlags,
  id: string,
  rootIdentity: HostIdentity | null,
): HostInput {
  const node = fleet.hosts.find((h) => h.id === id);
  const name = node?.name ?? flags.hostName ?? id;
  const role = rootIdentity !== null
    ? rootIdentity.role
    : node !== undefined
    ? node.role
    : flags.role === undefined || flags.role === ""
    ? null
    : flags.role;
  return {
    host: { id, name, role },
    registered: node !== undefined,
    version: node?.version ?? null,
    converged: node?.converged ?? false,
  };
}

async function rootHostInput(fleet: FleetStatus, flags: PlanFlags, root: string) {
  let identity: HostIdentity;
  try {
    identity = await readIdentity(root, "");
  } catch (error) {
    throw new CliError(`--root ${root}: ${(error as Error).message}`);
  }
  const id = flags.host[0] ?? identity.id;
  if (id !== identity.id) {
    throw new CliError(`--host ${id} but --root ${root} is host ${identity.id}`);
  }
  let installed;
  let controllers;
  try {
    installed = await scanInstalled(root);
    controllers = await scanControllers(root);
  } catch (error) {
    throw new CliError(
      `--root ${root}: cannot read the installed state: ${(error as Error).message}`,
    );
  }
  return { ...hostInput(fleet, flags, id, identity), installed, controllers };
}

/** The plan as an operator reads it. */
export function formatPlan(tree: TreePlan, hosts: readonly HostReport[]): string[] {
  const version = showVersion(tree.clusterVersion);
  const lines: string[] = [];
  if (tree.source === undefined) {
    lines.push(`Tree: the live tree, cluster version ${version}`);
  } else {
    const { repo, branch, commit, files } = tree.source;
    lines.push(
      `Tree: ${repo}${branch === undefined ? "" : ` branch ${branch}`} at ${commit} ` +
        `(${files.length} file${files.length === 1 ? "" : "s"}), cluster version ${version}`,
    );
    lines.push(...(tree.lines.length === 0 ? ["no changes"] : tree.lines));
    lines.push(tree.outlookText);
  }
  for (const host of hosts) lines.push("", ...formatHostReport(host));
  return lines;
}

/** The plan as JSON for scripts. */
export function planJson(tree: TreePlan, hosts: readonly HostReport[]): Record<string, unknown> {
  return {
    tree: {
      source: tree.source === undefined ? "live" : "repo",
      repo: tree.source?.repo ?? null,
      branch: tree.source?.branch ?? null,
      commit: tree.source?.commit ?? null,
      files: tree.source?.files ?? [],
      clusterVersion: tree.clusterVersion ?? null,
      ops: tree.diff.ops,
      lines: tree.lines,
      sync: tree.source === undefined ? null : tree.outlook,
      syncText: tree.source === undefined ? null : tree.outlookText,
    },
    hosts: hosts.map(hostReportJson),
    ok: hosts.every((h) => h.error === null),
  };
}
