/**
 * Planning one deployment (pure): this host's wanted deployments and what is installed in,
 * the ordered steps out, in the seed's order:
 * 1. remove deployments no longer wanted (sorted by app, package, path, instance);
 * 2. make each needed package (sorted) present at its version, or check out and build it;
 * 3. run every wanted deployment, sorted by path then instance;
 * 4. remove packages and checkouts no deployment uses any more (sorted);
 * 5. remove (rmdir) `/etc/<app>` of each app whose last deployment went (sorted).
 *
 * @module
 */
import { formatArgv } from "../proc/types.ts";
import { compareText, type Deployment, packageVersions } from "./deployments.ts";
import { deployScript, type InstalledDeployment, type InstalledState } from "./installed.ts";
import { type VcsLocation, vcsLocation } from "./vcs.ts";
import {
  controllerScript,
  type ControllerStep,
  roleLockPath,
  roleNodePath,
} from "./role_controller.ts";

/** One step of a deployment. */
export type Step =
  | { kind: "undeploy"; deployment: InstalledDeployment }
  | { kind: "package"; pkg: string; version: string | null }
  | { kind: "checkout"; pkg: string; location: VcsLocation }
  | { kind: "deploy"; deployment: Deployment }
  | { kind: "remove-checkout"; pkg: string }
  | { kind: "remove-package"; pkg: string }
  | { kind: "remove-etc"; app: string }
  | ControllerStep;

/** The deploy script command for a deployment (`[-r subtype] path n`, or `-u path n`). */
export function deployArgs(
  d: { path: string; n: number; subtype?: string | null },
  undeploy = false,
): string[] {
  const head = undeploy ? ["-u"] : d.subtype ? ["-r", d.subtype] : [];
  return [...head, d.path, String(d.n)];
}

/** Plans the steps that take `installed` to `desired`. Throws on inconsistent versions. */
export function planDeployment(
  desired: readonly Deployment[],
  installed: InstalledState,
): Step[] {
  const versions = packageVersions(desired);
  const key = (d: { app: string; path: string; n: number }) => `${d.app}\0${d.path}\0${d.n}`;
  const wanted = new Set(desired.map(key));
  const steps: Step[] = [];
  const removed = installed.deployments.filter((d) => !wanted.has(key(d))).sort((a, b) =>
    compareText(a.app, b.app) || compareText(a.pkg, b.pkg) || compareText(a.path, b.path) ||
    a.n - b.n
  );
  for (const deployment of removed) steps.push({ kind: "undeploy", deployment });
  for (const [pkg, { version }] of versions) {
    const location = vcsLocation(version);
    steps.push(
      location === null ? { kind: "package", pkg, version } : { kind: "checkout", pkg, location },
    );
  }
  const ordered = [...desired].sort((a, b) => compareText(a.path, b.path) || a.n - b.n);
  for (const deployment of ordered) steps.push({ kind: "deploy", deployment });
  for (const opt of [...installed.opts.values()].sort((a, b) => compareText(a.pkg, b.pkg))) {
    if (versions.has(opt.pkg)) continue;
    steps.push({
      kind: opt.checkout === null ? "remove-package" : "remove-checkout",
      pkg: opt.pkg,
    });
  }
  const apps = new Set(desired.map((d) => d.app));
  const gone = new Set(installed.deployments.map((d) => d.app).filter((app) => !apps.has(app)));
  for (const app of [...gone].sort(compareText)) steps.push({ kind: "remove-etc", app });
  return steps;
}

/** One line describing a step, for `--dry-run`. */
export function describeStep(step: Step): string {
  switch (step.kind) {
    case "undeploy": {
      const d = step.deployment;
      return `undeploy   ${formatArgv([deployScript(d.pkg), ...deployArgs(d, true)])}`;
    }
    case "package":
      return `package    ${step.pkg}${step.version === null ? "" : ` ${step.version}`}`;
    case "checkout":
      return `checkout   ${step.pkg} from ${step.location.kind} ${step.location.url}, then build`;
    case "deploy": {
      const d = step.deployment;
      return `deploy     ${formatArgv([deployScript(d.pkg), ...deployArgs(d)])}`;
    }
    case "remove-checkout":
      return `remove     checkout ${step.pkg}`;
    case "remove-package":
      return `remove     package ${step.pkg}`;
    case "remove-etc":
      return `remove     /etc/${step.app} (when empty)`;
    case "role-start":
      return `role-start take ${roleLockPath(step.role)}, then ${
        formatArgv([controllerScript(step.pkg, "starting-deployments"), roleNodePath(step.role)])
      }`;
    case "role-end":
      return `role-end   ${
        formatArgv([controllerScript(step.pkg, "ending-deployments"), roleNodePath(step.role)])
      }, then free ${roleLockPath(step.role)}`;
  }
}
