/**
 * Role controllers: a role may name, at `/roles/<role>`, a package (its `type`) at a `version`
 * whose `bin/starting-deployments` and `bin/ending-deployments` an agent of that role runs before
 * and after the host's deployments (to take the host out of rotation, say). Hosts of the role
 * deploy one at a time under the persistent role lock `/role-locks/<role>`.
 *
 * This module reads the controller from the tree (or the store), names its paths and scripts, and
 * finds installed controllers on disk. `role_plan.ts` plans its steps, `role_run.ts` runs them.
 *
 * @module
 */
import { exists, underRoot } from "../fs.ts";
import type { Store } from "../store/types.ts";
import { decodeProperties } from "../tree/codec.ts";
import type { TreeNode, Value } from "../tree/model.ts";
import { formatValue } from "../tree/value.ts";
import { appOf, compareText, DeploymentError } from "./deployments.ts";
import { checkoutKind } from "./installed.ts";
import { vcsLocation } from "./vcs.ts";
import { type HostIdentity } from "../cluster/mod.ts";
import { ROLE_LOCKS } from "../cluster/mod.ts";

/** Where role controllers are configured (`/roles/<role> : <pkg>`). */
export const ROLES = "/roles";

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
  const node = await store.get(path, { dataOnly: true });
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
