/**
 * The deployment index: what every host needs, written by sync and read by the agents instead
 * of walking the whole tree (a {@linkcode planIndexWrite keyed index} at `/deployment-index`).
 *
 * Keys are the names `deploy` children use (host ids, host names, roles); each key's text is
 * its {@linkcode deploymentsByKey} list as JSON, so an agent reads at most its three keys and
 * calls {@linkcode selectDeployments}: the same function the walk uses. The head's tag holds the
 * cluster version the index was built for and the data version `/hosts` gets from sync's bump;
 * an agent uses the index only when both match what it sees at `/hosts`. Anything else that
 * writes `/hosts` (`resume`, ALL STOP, another tool's sync) changes its data version, so the
 * index is then not current and agents walk the tree; `tree import` marks it invalid.
 *
 * @module
 */
import type { Store, StoredNode, StoreOp } from "../store/types.ts";
import { validatePath } from "../store/path.ts";
import {
  type IndexHead,
  parseHead,
  planIndexInvalidate,
  planIndexWrite,
  readIndexKeys,
} from "../store/recipe/mod.ts";
import { sameVersion, showVersion } from "./version.ts";
import { decodeProperties } from "../tree/codec.ts";
import type { TreeNode, Value } from "../tree/model.ts";
import {
  type Deployment,
  type DeploymentsByKey,
  deploymentsByKey,
  hostKeys,
  type KeyedDeployment,
  type KeyedInstances,
  type RawRolloutPolicy,
  selectDeployments,
} from "./deployment_keys.ts";
import { type HostIdentity } from "./host.ts";
import { DEPLOYMENT_INDEX, HOSTS_PATH } from "./reserved.ts";
import { rolloutProperties } from "../tree/rollout_values.ts";

/** The cluster state an index must have been built for: `/hosts`' version and data version. */
export interface ClusterSeen {
  /** The cluster version. */
  version: Value;
  /** `/hosts`' data version. */
  stat: number;
}

/**
 * One key's list as stored: `[order, path, pkg, subtype, version, rawVersion, count]`, with the
 * app's rollout policy as an eighth element when it has one, or `[order, path, {error}]`.
 */
type Stored =
  | [number, string, string, string | null, string | null, Value, number]
  | [number, string, string, string | null, string | null, Value, number, RawRolloutPolicy]
  | [number, string, { error: string }];

/** One key's list as its index text. */
export function encodeEntries(list: readonly KeyedDeployment[]): string {
  return JSON.stringify(
    list.map(({ order, path, result }): Stored =>
      "error" in result
        ? [order, path, { error: result.error }]
        : result.policy === undefined
        ? [order, path, result.pkg, result.subtype, result.version, result.rawVersion, result.count]
        : [
          order,
          path,
          result.pkg,
          result.subtype,
          result.version,
          result.rawVersion,
          result.count,
          result.policy,
        ]
    ),
  );
}

/** Reads a key's index text back; throws when it is not what {@linkcode encodeEntries} wrote. */
export function decodeEntries(text: string): KeyedDeployment[] {
  const rows = JSON.parse(text);
  if (!Array.isArray(rows)) throw new Error("index entry is not a list");
  return rows.map((row: Stored) => {
    const [order, path] = row;
    if (!Array.isArray(row) || !Number.isSafeInteger(order) || typeof path !== "string") {
      throw new Error("bad index row");
    }
    validatePath(path);
    if (row.length === 3) {
      if (typeof row[2]?.error !== "string") throw new Error("bad index error row");
      return { order, path, result: { error: row[2].error } };
    }
    const [, , pkg, subtype, version, rawVersion, count, policy] = row;
    // Only what the walk can produce: a store path, one-word package and subtype.
    const word = (v: unknown) => typeof v === "string" && /^\S+$/.test(v);
    if (
      (row.length !== 7 && row.length !== 8) || !word(pkg) ||
      !(subtype === null || word(subtype)) ||
      !(version === null || typeof version === "string") || !Number.isSafeInteger(count) ||
      count < 0
    ) {
      throw new Error("bad index row");
    }
    const result: KeyedInstances = { pkg, subtype, version, rawVersion, count };
    if (row.length === 8) {
      if (typeof policy !== "object" || policy === null || Array.isArray(policy)) {
        throw new Error("bad index row");
      }
      // Only the rollout properties; their values are checked by the agent before it acts.
      result.policy = rolloutProperties(policy as Record<string, Value>);
    }
    return { order, path, result };
  });
}

/** Every key's index text for a tree. */
export function indexTexts(tree: TreeNode): Map<string, string> {
  return new Map([...deploymentsByKey(tree)].map(([key, list]) => [key, encodeEntries(list)]));
}

/**
 * The store operations that write the index of `tree` (the whole live tree as it will be once
 * the import is applied) for the cluster version `version`, to go in the import's transactions
 * right before the version bump. Reads the index head and `/hosts` (the tag is the data version
 * `/hosts` gets from the bump: one more than now, or 0 when sync creates it).
 */
export async function deploymentIndexOps(
  store: Store,
  tree: TreeNode,
  version: Value,
  chunkChars?: number,
): Promise<StoreOp[]> {
  return await deploymentIndexOpsOf(store, deploymentsByKey(tree), version, chunkChars);
}

/**
 * {@linkcode deploymentIndexOps} from the lists the tree gives ({@linkcode deploymentsByKey},
 * or gathered part by part with `addDeployments`) instead of the tree itself.
 */
export async function deploymentIndexOpsOf(
  store: Store,
  byKey: DeploymentsByKey,
  version: Value,
  chunkChars?: number,
): Promise<StoreOp[]> {
  const [hosts, head] = await store.getMany([HOSTS_PATH, DEPLOYMENT_INDEX]);
  const tag = { version, hosts: hosts === null ? 0 : hosts.version + 1 };
  const texts = new Map([...byKey].map(([key, list]) => [key, encodeEntries(list)]));
  return await planIndexWrite(store, DEPLOYMENT_INDEX, texts, tag, chunkChars, head);
}

/** The operation that marks the index invalid (for a tree change made without sync). */
export function invalidateDeploymentIndexOps(store: Store, reason: string): Promise<StoreOp[]> {
  return planIndexInvalidate(store, DEPLOYMENT_INDEX, reason);
}

/** Why an index head cannot be used for `seen`, or null when it is current. */
export function whyNotCurrent(head: IndexHead | string, seen: ClusterSeen): string | null {
  if (typeof head === "string") return head;
  if (!head.valid) return `the index was invalidated (${head.reason ?? "no reason given"})`;
  const { version, hosts } = head.tag;
  if (!sameVersion(version, seen.version)) {
    return `the index is for version ${showVersion(version)}, the cluster is at ${
      showVersion(seen.version)
    }`;
  }
  if (hosts !== seen.stat) {
    return `${HOSTS_PATH} was written since the index was (data version ${seen.stat}, not ${
      String(hosts)
    })`;
  }
  return null;
}

/** What {@linkcode readDeploymentIndex} found. */
export type IndexRead =
  | { source: "index"; version: Value; deployments: () => Deployment[] }
  | { source: "none"; reason: string };

/**
 * The host's deployments from the index, when it is current for `seen` (or, without `seen`,
 * for `/hosts` as read together with the head): one read of the head, one batched read of the
 * host's keys. With `source: "index"`, `deployments()` gives the host's deployments or throws
 * `DeploymentError` for a tree that is wrong for this host, exactly as the walk does; with
 * `source: "none"`, `reason` says why the walk must be used.
 */
export async function readDeploymentIndex(
  store: Store,
  host: HostIdentity,
  seen?: ClusterSeen,
): Promise<IndexRead> {
  let headNode: StoredNode | null;
  if (seen === undefined) {
    const [hosts, node] = await store.getMany([HOSTS_PATH, DEPLOYMENT_INDEX], { dataOnly: true });
    if (hosts === null) return { source: "none", reason: `no ${HOSTS_PATH} node` };
    seen = { version: decodeProperties(hosts.data).version ?? null, stat: hosts.version };
    headNode = node;
  } else {
    headNode = await store.get(DEPLOYMENT_INDEX, { dataOnly: true });
  }
  const head = parseHead(headNode);
  const why = whyNotCurrent(head, seen);
  if (why !== null || typeof head === "string") return { source: "none", reason: why ?? "" };
  const texts = await readIndexKeys(store, DEPLOYMENT_INDEX, head, hostKeys(host));
  if (typeof texts === "string") return { source: "none", reason: texts };
  const lists = new Map<string, KeyedDeployment[]>();
  try {
    for (const [key, text] of texts) if (text !== null) lists.set(key, decodeEntries(text));
  } catch (error) {
    return { source: "none", reason: `the index is damaged (${(error as Error).message})` };
  }
  const deployments = () => selectDeployments((key) => lists.get(key), host);
  return { source: "index", version: seen.version, deployments };
}
