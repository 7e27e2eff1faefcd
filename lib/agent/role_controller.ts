/**
 * Role controllers: a role may name, at `/roles/<role>`, a package (its `type`) at a `version`
 * whose `bin/starting-deployments` and `bin/ending-deployments` an agent of that role runs before
 * and after the host's deployments (to take the host out of rotation, say). Hosts of the role
 * deploy one at a time under the persistent role lock `/role-locks/<role>`.
 *
 * This module reads the controller from the tree, finds installed controllers on disk and plans
 * (purely) the controller's steps around the ordinary plan:
 * 1. remove an installed controller that is no longer wanted (another package, or none);
 * 2. install (or check out) the wanted controller, with the usual package rules;
 * 3. the ordinary plan, with `role-start` (take the role lock, run `starting-deployments`) before
 *    the first deploy and `role-end` (run `ending-deployments`, free the lock) after the last.
 *
 * @module
 */
import { exists } from "../fs.ts";
import type { Store } from "../store/types.ts";
import { decodeProperties } from "../tree/codec.ts";
import type { TreeNode, Value } from "../tree/model.ts";
import { formatValue } from "../tree/value.ts";
import { appOf, compareText, type Deployment, DeploymentError } from "./deployments.ts";
import { type HostIdentity, underRoot } from "./identity.ts";
import { checkoutKind, type InstalledState, scanInstalled } from "./installed.ts";
import { planDeployment, type Step } from "./plan.ts";
import { vcsLocation } from "./vcs.ts";

/** Where role controllers are configured (`/roles/<role> : <pkg>`). */
export const ROLES = "/roles";
/** Where the persistent role locks live (`/role-locks/<role>`). */
export const ROLE_LOCKS = "/role-locks";

/** A role's controller as the tree configures it. */
export interface RoleController {
  /** The role. */
  role: string;
  /** The controller package (the first word of the node's type); its directory in `/opt`. */
  pkg: string;
  /** The wanted version or VCS URL; null when the package name carries it (`rc-1.0.0`). */
  version: string | null;
  /** The version as written in the tree, for messages. */
  rawVersion: Value;
}

/** The controller steps of a plan. */
export type ControllerStep =
  | { kind: "role-start"; role: string; pkg: string }
  | { kind: "role-end"; role: string; pkg: string };

/** The controller node of a role: `/roles/<role>`. */
export function roleNodePath(role: string): string {
  return `${ROLES}/${checkedRole(role)}`;
}

/** The role lock of a role: `/role-locks/<role>`. */
export function roleLockPath(role: string): string {
  return `${ROLE_LOCKS}/${checkedRole(role)}`;
}

/** A controller script's root-less path: `/opt/<pkg>/bin/<name>`. */
export function controllerScript(
  pkg: string,
  name: "starting-deployments" | "ending-deployments",
): string {
  return `/opt/${checkedPackage(pkg, "controller package")}/bin/${name}`;
}

/** A role used in a store path: one path segment, not `.` or `..`. */
function checkedRole(role: string): string {
  if (role === "" || role === "." || role === ".." || /[/\s\0]/.test(role)) {
    throw new DeploymentError(`Invalid role ${formatValue(role)}: it names a node in ${ROLES}`);
  }
  return role;
}

const PACKAGE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._+-]*$/;

function checkedPackage(pkg: string, where: string): string {
  if (!PACKAGE_NAME.test(pkg) || pkg.includes("..")) {
    throw new DeploymentError(`Invalid ${where} ${formatValue(pkg)} (a package name)`);
  }
  return pkg;
}

/**
 * The controller configured for `host`'s role: null for a host without a role or a role without
 * a `/roles/<role>` node. Throws {@linkcode DeploymentError} for a bad type or version.
 */
export async function readRoleController(
  store: Store,
  host: HostIdentity,
): Promise<RoleController | null> {
  if (host.role === null) return null;
  const path = roleNodePath(host.role);
  const node = await store.get(path);
  if (node === null) return null;
  return controllerFrom(host.role, path, decodeProperties(node.data));
}

/** The controller `tree` (a whole tree, root `/`) configures for `host`'s role, or null (pure). */
export function controllerIn(tree: TreeNode, host: HostIdentity): RoleController | null {
  if (host.role === null) return null;
  const path = roleNodePath(host.role);
  const node = tree.children.get(ROLES.slice(1))?.children.get(host.role);
  return node === undefined ? null : controllerFrom(host.role, path, node.properties);
}

/** The installed controllers of a host that converged to `controller` (package → checkout). */
export function assumedControllers(
  controller: RoleController | null,
): Map<string, "svn" | "git" | null> {
  return controller === null
    ? new Map()
    : new Map([[controller.pkg, vcsLocation(controller.version)?.kind ?? null]]);
}

/** The controller a `/roles/<role>` node's properties describe (pure). */
export function controllerFrom(
  role: string,
  path: string,
  properties: Record<string, Value>,
): RoleController {
  const type = properties.type;
  if (typeof type !== "string" || type.trim() === "") {
    throw new DeploymentError(`No type for ${path} (the role controller package)`);
  }
  const pkg = checkedPackage(type.trim().split(/\s+/)[0], `role controller type at ${path}:`);
  const rawVersion = properties.version ?? null;
  let version: string | null;
  if (typeof rawVersion === "string" || typeof rawVersion === "number") {
    version = String(rawVersion);
  } else if (rawVersion === null && appOf(pkg) !== pkg) {
    version = null;
  } else if (rawVersion === null) {
    throw new DeploymentError(`No version found for ${path}`);
  } else {
    throw new DeploymentError(`Invalid version at ${path}: ${formatValue(rawVersion)}`);
  }
  return { role, pkg, version, rawVersion };
}

/** The `/opt` directories below `root` that hold a controller (`bin/starting-deployments`). */
export async function scanControllers(root: string): Promise<Map<string, "svn" | "git" | null>> {
  const found = new Map<string, "svn" | "git" | null>();
  const opt = underRoot(root, "opt");
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(opt)) names.push(entry.name);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return found;
    throw error;
  }
  for (const pkg of names.sort(compareText)) {
    if (await exists(`${opt}/${pkg}/bin/starting-deployments`)) {
      found.set(pkg, await checkoutKind(`${opt}/${pkg}`));
    }
  }
  return found;
}

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
  const location = vcsLocation(version);
  if (shared === undefined) {
    before.push(
      location === null ? { kind: "package", pkg, version } : { kind: "checkout", pkg, location },
    );
  }
  const firstDeploy = steps.findIndex((s) => s.kind === "deploy");
  const afterDeploys = steps.findLastIndex((s) => s.kind === "deploy") + 1;
  const start = firstDeploy === -1 ? afterInstalls(steps) : firstDeploy;
  const end = firstDeploy === -1 ? start : afterDeploys;
  return [
    ...before,
    ...steps.slice(0, start),
    { kind: "role-start", role, pkg },
    ...steps.slice(start, end),
    { kind: "role-end", role, pkg },
    ...steps.slice(end),
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
): Promise<{ steps: Step[]; controller: RoleController | null }> {
  const controller = await readRoleController(store, host);
  const installed = await scanInstalled(root);
  const steps = planWithController(desired, installed, controller, await scanControllers(root));
  return { steps, controller };
}

/** The index after the last undeploy, package or checkout step. */
function afterInstalls(steps: readonly Step[]): number {
  const kinds = new Set(["undeploy", "package", "checkout"]);
  return steps.findLastIndex((s) => kinds.has(s.kind)) + 1;
}
