/**
 * The agent's walk exactly as it was before the deployment index (a recursive walk that throws
 * as it goes), kept as the oracle the index-equals-walk tests compare both paths against.
 *
 * @module
 */
import { appOf, type Deployment, DeploymentError } from "../../../lib/agent/deployments.ts";
import { joinPath, type TreeNode } from "../../../lib/tree/model.ts";
import { formatValue } from "../../../lib/tree/value.ts";
import { type HostIdentity } from "../../../lib/cluster/mod.ts";

const VERSIONED = /^(\S+)-\d+(\.\d+)*$/;

/** Top-level nodes that never hold deployments (the index and role-lock nodes are skipped too). */
const SKIPPED = new Set(["hosts", "zookeeper", "role-locks", "deployment-index"]);

/**
 * The deployments for `host` in `root`, in tree walk order (children sorted by name).
 * Throws {@linkcode DeploymentError} for the seed's errors: a host-based deployment on a host
 * with a role, the same app deployed to both the host's id and name, a bad type, version or `n`.
 */
export function referenceWalk(root: TreeNode, host: HostIdentity): Deployment[] {
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
