/**
 * The host part of `plan`: for one host, its deployments in the planned tree and the agent's
 * own pure plan (removals, installs, VCS checkouts, deploy scripts, package removals).
 *
 * The installed state of a remote host is not known here. With a root directory it is read as
 * the agent reads it ({@linkcode scanInstalled}); otherwise it is assumed to be what the host
 * converged to: the deployments the live tree gives it.
 *
 * @module
 */
import { type Deployment, DeploymentError, deploymentsForHost } from "../agent/deployments.ts";
import type { InstalledState } from "../agent/installed.ts";
import { describeStep, type Step } from "../agent/plan.ts";
import { rolloutLines } from "../agent/rollout_policy.ts";
import { assumedControllers, controllerIn } from "../agent/role_controller.ts";
import { planWithController } from "../agent/role_plan.ts";
import { vcsLocation } from "../agent/vcs.ts";
import { showVersion } from "../cluster/mod.ts";
import type { TreeNode, Value } from "../tree/model.ts";
import { type HostIdentity } from "../cluster/mod.ts";

/** Where a host's installed state came from. */
export type InstalledFrom = "root" | "live-tree";

/** One host's plan. */
export interface HostReport {
  /** Who the plan is for. */
  host: HostIdentity;
  /** Whether `/hosts/<id>` exists. */
  registered: boolean;
  /** The version the host reports (null when unknown). */
  version: Value | null;
  /** Whether that is the cluster version. */
  converged: boolean;
  /** Where the installed state came from. */
  installedFrom: InstalledFrom;
  /** The host's deployments in the planned tree. */
  deployments: Deployment[];
  /** The agent's steps, in its order. */
  steps: Step[];
  /** The error the agent would stop on (role conflict, inconsistent versions…), or null. */
  error: string | null;
  /** Things the operator should know about this plan. */
  notes: string[];
}

/** What the host part needs for one host. */
export interface HostInput {
  /** Who the host is. */
  host: HostIdentity;
  /** Whether `/hosts/<id>` exists. */
  registered: boolean;
  /** Its reported version. */
  version: Value | null;
  /** Whether it has converged to the cluster version. */
  converged: boolean;
  /** Its installed state, when read from a root; undefined: assume the live tree's. */
  installed?: InstalledState;
  /** Its installed role controllers (package → checkout kind), read with `installed`. */
  controllers?: ReadonlyMap<string, "svn" | "git" | null>;
}

/**
 * The installed state a host has when it converged to `deployments`: their deploy markers and
 * one managed `opt/<pkg>` per package (a checkout for a VCS version).
 */
export function assumedInstalled(deployments: readonly Deployment[]): InstalledState {
  const opts: InstalledState["opts"] = new Map();
  for (const d of deployments) {
    opts.set(d.pkg, { pkg: d.pkg, script: true, checkout: vcsLocation(d.version)?.kind ?? null });
  }
  return {
    opts,
    deployments: deployments.map((d) => ({ app: d.app, pkg: d.pkg, path: d.path, n: d.n })),
  };
}

/** Plans one host against the `live` tree (what it has) and the `desired` one (what it gets). */
export function planHost(input: HostInput, live: TreeNode, desired: TreeNode): HostReport {
  const report: HostReport = {
    host: input.host,
    registered: input.registered,
    version: input.version,
    converged: input.converged,
    installedFrom: input.installed === undefined ? "live-tree" : "root",
    deployments: [],
    steps: [],
    error: null,
    notes: [],
  };
  if (!input.registered) {
    report.notes.push(`no /hosts/${input.host.id} node: the host has never reported`);
  }
  let installed = input.installed;
  let liveError: string | undefined;
  if (installed === undefined) {
    if (input.registered && !input.converged) {
      report.notes.push(
        `the host is at version ${showVersion(input.version ?? undefined)}, not the cluster's: ` +
          `what it has installed may differ from the live tree`,
      );
    }
    try {
      installed = assumedInstalled(deploymentsForHost(live, input.host));
    } catch (error) {
      if (!(error instanceof DeploymentError)) throw error;
      liveError = error.message;
      installed = { opts: new Map(), deployments: [] };
    }
  }
  try {
    report.deployments = deploymentsForHost(desired, input.host);
    const controllers = input.controllers ?? assumedControllers(safeController(live, input.host));
    const controller = controllerIn(desired, input.host);
    report.steps = planWithController(report.deployments, installed, controller, controllers);
  } catch (error) {
    if (!(error instanceof DeploymentError)) throw error;
    report.error = error.message;
  }
  if (liveError !== undefined && liveError !== report.error) {
    report.notes.push(
      `the live tree is already wrong for this host (${liveError}): assumed nothing installed`,
    );
  }
  return report;
}

/** The live tree's controller for `host`; none when the live tree's is broken. */
function safeController(live: TreeNode, host: HostIdentity) {
  try {
    return controllerIn(live, host);
  } catch (error) {
    if (error instanceof DeploymentError) return null;
    throw error;
  }
}

/** One deployment as a line: `/cust/app 0: z4m cms 1.0`. */
export function describeDeployment(d: Deployment): string {
  const type = d.subtype === null ? d.pkg : `${d.pkg} ${d.subtype}`;
  return `${d.path} ${d.n}: ${type}${d.version === null ? "" : ` ${d.version}`}`;
}

/** The report as text lines, the steps in `agent --dry-run`'s words. */
export function formatHostReport(report: HostReport): string[] {
  const { host } = report;
  const who = `${host.name}${host.role === null ? "" : `, role ${host.role}`}`;
  const state = !report.registered
    ? "unregistered"
    : `version ${showVersion(report.version ?? undefined)}${
      report.converged ? " (converged)" : " (not converged)"
    }`;
  const installed = report.installedFrom === "root"
    ? "installed state read from --root"
    : "installed state assumed from the live tree";
  const lines = [`Host ${host.id} (${who}): ${state}; ${installed}`];
  for (const note of report.notes) lines.push(`  note: ${note}`);
  if (report.error !== null) {
    lines.push(`  ERROR ${report.error}`);
    return lines;
  }
  if (report.deployments.length === 0) lines.push("  deployments: none");
  else lines.push("  deployments:");
  for (const d of report.deployments) lines.push(`    ${describeDeployment(d)}`);
  if (report.steps.length === 0) lines.push("  steps: nothing to do");
  else lines.push("  steps:");
  for (const step of report.steps) lines.push(`    ${describeStep(step)}`);
  const rollout = rolloutLines(report.deployments, () => null);
  if (rollout.length > 0) lines.push("  rollout:", ...rollout.map((l) => `    ${l}`));
  return lines;
}

/** The report as plain JSON for `--json`. */
export function hostReportJson(report: HostReport): Record<string, unknown> {
  return {
    id: report.host.id,
    name: report.host.name,
    role: report.host.role,
    registered: report.registered,
    version: report.version,
    converged: report.converged,
    installedFrom: report.installedFrom,
    deployments: report.deployments.map((d) => ({
      path: d.path,
      n: d.n,
      pkg: d.pkg,
      subtype: d.subtype,
      version: d.version,
    })),
    steps: report.steps.map((step) => ({ kind: step.kind, text: describeStep(step) })),
    error: report.error,
    notes: report.notes,
    ...rolloutJson(report.deployments),
  };
}

/** The `rollout` lines for `--json`, only when there are any (issue 18). */
function rolloutJson(deployments: readonly Deployment[]): { rollout?: string[] } {
  const lines = rolloutLines(deployments, () => null);
  return lines.length === 0 ? {} : { rollout: lines };
}

/** A copy of `tree` without ephemeral nodes: the tree as the agent reads it. */
export function withoutEphemeral(tree: TreeNode): TreeNode {
  const copy: TreeNode = { name: tree.name, properties: tree.properties, children: new Map() };
  for (const [name, child] of tree.children) {
    if (!child.ephemeral) copy.children.set(name, withoutEphemeral(child));
  }
  return copy;
}
