/**
 * `clusterdeploy monitor --cluster`: the cluster-wide convergence check (the reference's
 * zkdeploymentclustermonitor) — reads `/hosts` and its children from the store only, and judges
 * them with `cluster_check.ts`.
 *
 * @module
 */
import type { Store } from "../store/types.ts";
import { decodeProperties } from "../tree/codec.ts";
import { HOSTS_PATH } from "../cluster/mod.ts";
import { checkCluster, type ClusterVerdict, formatClusterVerdict } from "./cluster_check.ts";

/** Default lag (seconds) that is a warning: 15 minutes, as the reference. */
export const CLUSTER_WARN = 900;
/** Default lag (seconds) that is critical: 30 minutes, as the reference. */
export const CLUSTER_ERROR = 1800;

/** Checks the cluster in `store`; the verdict and its plugin line. */
export async function runClusterMonitor(
  store: Store,
  options: { warn: number; error: number; now?: number },
): Promise<ClusterVerdict & { line: string }> {
  const hosts = await store.get(HOSTS_PATH);
  const nodes = hosts === null
    ? []
    : await store.getMany(hosts.children.map((id) => `${HOSTS_PATH}/${id}`));
  const members = (hosts?.children ?? []).flatMap((id, i) => {
    const node = nodes[i];
    if (node === null || node === undefined) return []; // gone between the two reads
    return [{ id, properties: decodeProperties(node.data), ctime: node.ctime, mtime: node.mtime }];
  });
  const verdict = checkCluster({
    hosts: hosts === null ? null : { properties: decodeProperties(hosts.data), mtime: hosts.mtime },
    members,
    now: options.now ?? Date.now(),
    warn: options.warn,
    error: options.error,
  });
  return { ...verdict, line: formatClusterVerdict(verdict, options.warn, options.error) };
}
