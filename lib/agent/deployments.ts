/**
 * Working out this host's deployments from the cluster tree (pure: a tree in, a list out).
 *
 * A deployment is an app node with a `type` and a `deploy` child; each child of `deploy` names
 * a host id, a host name or a role, with an optional `n` (number of instances, default 1).
 *
 * @module
 */
import type { TreeNode } from "../tree/model.ts";
import { formatValue } from "../tree/value.ts";
import {
  type Deployment,
  DeploymentError,
  deploymentsByKey,
  selectDeployments,
} from "../cluster/mod.ts";
import { type HostIdentity } from "../cluster/mod.ts";

export { appOf, type Deployment, DeploymentError } from "../cluster/mod.ts";

/**
 * The deployments for `host` in `root`, in tree walk order (children sorted by name): the
 * deployment index's own function ({@linkcode deploymentsByKey}) over the whole tree, then
 * {@linkcode selectDeployments} for the host. Throws {@linkcode DeploymentError} for the seed's
 * errors: a host-based deployment on a host with a role, the same app deployed to both the
 * host's id and name, a bad type, version or `n`.
 */
export function deploymentsForHost(root: TreeNode, host: HostIdentity): Deployment[] {
  const byKey = deploymentsByKey(root);
  return selectDeployments((key) => byKey.get(key), host);
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
