/**
 * Working out this host's deployments from the cluster tree (pure: a tree in, a list out).
 *
 * A deployment is an app node with a `type` and a `deploy` child; each child of `deploy` names
 * a host id, a host name or a role, with an optional `n` (number of instances, default 1).
 *
 * @module
 */
import { joinPath, type TreeNode, type Value } from "../tree/model.ts";
import { formatValue } from "../tree/value.ts";
import type { HostIdentity } from "./identity.ts";

/** One instance of an app this host should run. */
export interface Deployment {
  /** The app: the package name without a `-<version>` suffix (names `etc/<app>`). */
  app: string;
  /** The second word of the type (passed as `-r <subtype>`), or null. */
  subtype: string | null;
  /** The package (rpm) name, also the directory in `/opt`. */
  pkg: string;
  /** The wanted version (or VCS URL); null when the package name carries it (`z4m-4.0.0`). */
  version: string | null;
  /** The version as written in the tree, for messages. */
  rawVersion: Value;
  /** The app node's path. */
  path: string;
  /** The instance number, `0 … n-1`. */
  n: number;
  /** The child of `deploy` that named this host (its id, name or role), when read from a tree. */
  target?: string;
}

/** A problem in the tree that stops a deployment. */
export class DeploymentError extends Error {
  /** Makes the error. */
  constructor(message: string) {
    super(message);
    this.name = "DeploymentError";
  }
}

/** A package name that carries its version: `z4m-4.0.0` → app `z4m`. */
const VERSIONED = /^(\S+)-\d+(\.\d+)*$/;

/** The app of a package name: the name without a `-<version>` suffix. */
export function appOf(pkg: string): string {
  return VERSIONED.exec(pkg)?.[1] ?? pkg;
}

/** Top-level nodes that never hold deployments. */
const SKIPPED = new Set(["hosts", "zookeeper"]);

/**
 * The deployments for `host` in `root`, in tree walk order (children sorted by name).
 * Throws {@linkcode DeploymentError} for the seed's errors: a host-based deployment on a host
 * with a role, the same app deployed to both the host's id and name, a bad type, version or `n`.
 */
export function deploymentsForHost(root: TreeNode, host: HostIdentity): Deployment[] {
  const found: Deployment[] = [];
  const seen = new Set<string>();
  const walk = (node: TreeNode, path: string) => {
    const deploy = node.children.get("deploy");
    if (deploy !== undefined && path !== "/") {
      for (const key of [...deploy.children.keys()].sort()) {
        const hostPath = `${path}/deploy/${key}`;
        if (!matches(key, host, hostPath)) continue;
        if (seen.has(path)) {
          throw new DeploymentError(
            `Conflicting deployments for ${path}. Can't deploy to ${host.name} and ${host.id}.`,
          );
        }
        seen.add(path);
        found.push(...instances(node, path, deploy.children.get(key)!, hostPath));
      }
    }
    for (const name of [...node.children.keys()].sort()) {
      if (path === "/" && SKIPPED.has(name)) continue;
      walk(node.children.get(name)!, joinPath(path, name));
    }
  };
  walk(root, "/");
  return found;
}

function matches(key: string, host: HostIdentity, hostPath: string): boolean {
  const byHost = key === host.id || key === host.name;
  if (host.role === null) return byHost;
  if (key === host.role) return true;
  if (byHost) {
    throw new DeploymentError(
      `Found a host-based deployment at ${hostPath} but the host has a role, ${host.role}.`,
    );
  }
  return false;
}

function instances(app: TreeNode, path: string, target: TreeNode, hostPath: string) {
  const type = app.properties.type;
  if (typeof type !== "string") {
    throw new DeploymentError(`No type for ${path} (it has a deploy node for ${hostPath})`);
  }
  const words = type.trim().split(/\s+/);
  if (words.length > 2 || words[0] === "") {
    throw new DeploymentError(`Invalid node type at ${path}: ${formatValue(type)}`);
  }
  const [pkg, subtype = null] = words;
  const rawVersion = app.properties.version ?? null;
  let version: string | null;
  if (typeof rawVersion === "string" || typeof rawVersion === "number") {
    version = String(rawVersion);
  } else if (rawVersion === null && VERSIONED.test(pkg)) {
    version = null;
  } else if (rawVersion === null) {
    throw new DeploymentError(`No version found for ${path}`);
  } else {
    throw new DeploymentError(`Invalid version at ${path}: ${formatValue(rawVersion)}`);
  }
  const n = target.properties.n ?? 1;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
    throw new DeploymentError(
      `Invalid n at ${hostPath}: ${formatValue(n)} (expected a whole number)`,
    );
  }
  const app_ = appOf(pkg);
  return Array.from({ length: n }, (_, i): Deployment => ({
    app: app_,
    subtype,
    pkg,
    version,
    rawVersion,
    path,
    n: i,
    target: target.name,
  }));
}

/**
 * The version wanted for each package, sorted by package name. Throws
 * `Inconsistent versions for <pkg>. '<a>' != '<b>'` when two deployments disagree.
 */
export function packageVersions(deployments: readonly Deployment[]): Map<string, Deployment> {
  const byPackage = new Map<string, Deployment>();
  for (const d of deployments) {
    const first = byPackage.get(d.pkg);
    if (first === undefined) byPackage.set(d.pkg, d);
    else if (first.version !== d.version) {
      throw new DeploymentError(
        `Inconsistent versions for ${d.pkg}. ${formatValue(d.rawVersion)} != ${
          formatValue(first.rawVersion)
        }`,
      );
    }
  }
  return new Map([...byPackage].sort(([a], [b]) => compareText(a, b)));
}

/** Compares strings by code unit, as Python sorts them. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
