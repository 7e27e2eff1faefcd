/**
 * Planning a deployment with a role controller (pure, but for {@linkcode planHostSteps} which
 * reads what it needs): the ordinary plan, plus
 * 1. the removal of an installed controller that is no longer wanted (another package, or none);
 * 2. the installation (or checkout) of the wanted controller, with the usual package rules;
 * 3. `role-start` (take the role lock, run `starting-deployments`) right after it, before any
 *    other deployment is removed or package installed (as the reference's latest release), and
 *    `role-end` (run `ending-deployments`, free the lock) after the last deploy (without
 *    deploys, after the last removal or installation).
 *
 * @module
 */
import type { Store } from "../store/types.ts";
import { formatValue } from "../tree/value.ts";
import { type Deployment, DeploymentError } from "./deployments.ts";
import { type InstalledState, scanInstalled } from "./installed.ts";
import { planDeployment, type Step } from "./plan.ts";
import { readRoleController, type RoleController, scanControllers } from "./role_controller.ts";
import { vcsLocation } from "./vcs.ts";
import { type HostIdentity } from "../cluster/mod.ts";

/**
 * Plans a deployment with the role controller (pure): the ordinary plan of `desired` against
 * `installed`, plus the controller's removal, installation and scripts. `controllers` are the
 * installed controllers (package → checkout kind); they are left out of the ordinary plan's
 * clean-up, which would otherwise remove them as unused.
 */
export function planWithController(
  desired: readonly Deployment[],
  installed: InstalledState,
  controller: RoleController | null,
  controllers: ReadonlyMap<string, "svn" | "git" | null>,
): Step[] {
  const mine = new Set(controllers.keys());
  if (controller !== null) mine.add(controller.pkg);
  const opts = new Map([...installed.opts].filter(([pkg]) => !mine.has(pkg)));
  const steps = planDeployment(desired, { ...installed, opts });
  // A package that is both the controller and an app's must be wanted at one version.
  const apps = new Map(desired.map((d) => [d.pkg, d]));
  const shared = controller === null ? undefined : apps.get(controller.pkg);
  if (controller !== null && shared !== undefined && shared.version !== controller.version) {
    throw new DeploymentError(
      `Inconsistent versions for ${controller.pkg}. ${formatValue(controller.rawVersion)} != ${
        formatValue(shared.rawVersion)
      } (the role controller of ${controller.role} and ${shared.path})`,
    );
  }
  const before: Step[] = [];
  for (const [pkg, checkout] of controllers) {
    if (pkg === controller?.pkg || apps.has(pkg)) continue;
    before.push({ kind: checkout === null ? "remove-package" : "remove-checkout", pkg });
  }
  if (controller === null) return [...before, ...steps];
  const { pkg, version, role } = controller;
  // The controller is installed (or found in the ordinary plan, when an app shares it) and its
  // starting-deployments runs before anything else changes on the host: installing or removing
  // software can disturb a running service, so the host must be out of rotation first.
  const own = steps.findIndex((s) =>
    (s.kind === "package" || s.kind === "checkout") && s.pkg === pkg
  );
  const location = vcsLocation(version);
  const install: Step = own !== -1
    ? steps[own]
    : location === null
    ? { kind: "package", pkg, version }
    : { kind: "checkout", pkg, location };
  const rest = own === -1 ? steps : [...steps.slice(0, own), ...steps.slice(own + 1)];
  const lastDeploy = rest.findLastIndex((s) => s.kind === "deploy");
  const end = lastDeploy === -1 ? afterInstalls(rest) : lastDeploy + 1;
  return [
    ...before,
    install,
    { kind: "role-start", role, pkg },
    ...rest.slice(0, end),
    { kind: "role-end", role, pkg },
    ...rest.slice(end),
  ];
}

/**
 * This host's steps: reads its role's controller and what is installed below `root`, and plans
 * `desired` with {@linkcode planWithController}.
 */
export async function planHostSteps(
  store: Store,
  root: string,
  host: HostIdentity,
  desired: readonly Deployment[],
): Promise<Step[]> {
  const controller = await readRoleController(store, host);
  const installed = await scanInstalled(root);
  return planWithController(desired, installed, controller, await scanControllers(root));
}

/** The index after the last undeploy, package or checkout step. */
function afterInstalls(steps: readonly Step[]): number {
  const kinds = new Set(["undeploy", "package", "checkout"]);
  return steps.findLastIndex((s) => kinds.has(s.kind)) + 1;
}
