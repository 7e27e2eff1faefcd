/**
 * The one pure function behind both ways an agent learns its deployments.
 *
 * {@linkcode deploymentsByKey} walks a tree once and lists, for every name a `deploy` child uses
 * (a host id, a host name or a role), what that child gives: the app path, its walk order and
 * either the instances (package, subtype, version, `n`) or the error that stops a host it
 * names. {@linkcode selectDeployments} then replays the walk for one host from the lists of its
 * (at most three) names, throwing the same errors in the same order.
 *
 * The agent's walk is `selectDeployments` over `deploymentsByKey` of the whole tree; sync
 * stores `deploymentsByKey` of the tree it imports as the deployment index, and an agent that
 * reads it calls `selectDeployments` on the lists of its names. One code path, two callers.
 *
 * @module
 */
import { joinPath, type TreeNode, type Value } from "../tree/model.ts";
import { formatValue } from "../tree/value.ts";
import { type HostIdentity } from "./host.ts";
import { RESERVED_TOP_LEVEL } from "./reserved.ts";
import { rolloutProperties, type RolloutProperty } from "../tree/rollout_values.ts";

/** An app node's rollout policy as written (only the properties present; checked by the agent). */
export type RawRolloutPolicy = Partial<Record<RolloutProperty, Value>>;

/** What one `deploy` child gives the host(s) it names: instances or an error. */
export interface KeyedDeployment {
  /** The walk order of the app node (preorder, children sorted by name). */
  order: number;
  /** The app node's path. */
  path: string;
  /** The package, subtype, version and instance count, or the error message. */
  result: KeyedInstances | { error: string };
}

/** The instances one `deploy` child asks for. */
export interface KeyedInstances {
  /** The package (rpm) name. */
  pkg: string;
  /** The second word of the type, or null. */
  subtype: string | null;
  /** The wanted version, or null when the package name carries it. */
  version: string | null;
  /** The version as written in the tree. */
  rawVersion: Value;
  /** Number of instances (`n`, default 1). */
  count: number;
  /** The app node's rollout properties, when it has any. */
  policy?: RawRolloutPolicy;
}

/** One instance of an app a host should run. */
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
  /** The app node's rollout properties as written, when it has any (issue 18). */
  policy?: RawRolloutPolicy;
}

/** A problem in the tree that stops a deployment. */
export class DeploymentError extends Error {
  /** Makes the error. */
  constructor(message: string) {
    super(message);
    this.name = "DeploymentError";
  }
}

/** Every name `deploy` children use → what each such child gives, in walk order. */
export type DeploymentsByKey = Map<string, KeyedDeployment[]>;

/** A package name that carries its version: `z4m-4.0.0` → app `z4m`. */
const VERSIONED = /^(\S+)-\d+(\.\d+)*$/;

/** The app of a package name: the name without a `-<version>` suffix. */
export function appOf(pkg: string): string {
  return VERSIONED.exec(pkg)?.[1] ?? pkg;
}

/**
 * Walks `root` (children sorted by name; the top-level nodes in {@linkcode RESERVED_TOP_LEVEL}
 * and ephemeral nodes left out) and lists every `deploy` child under the name it uses.
 */
export function deploymentsByKey(root: TreeNode): DeploymentsByKey {
  const into = { byKey: new Map(), order: 0 };
  addDeployments(root, into);
  return into.byKey;
}

/** Deployments gathered part by part: the lists so far and the walk order reached. */
export interface DeploymentsSoFar {
  /** The lists so far, by key. */
  byKey: DeploymentsByKey;
  /** The order the next deployment gets. */
  order: number;
}

/**
 * {@linkcode deploymentsByKey} of a part of a tree, added to `into`: given the top-level
 * subtrees of a tree in name order, a few at a time (each call's `root` holding the next ones),
 * it makes the lists the whole tree gives, without the whole tree at once.
 */
export function addDeployments(root: TreeNode, into: DeploymentsSoFar): void {
  const byKey = into.byKey;
  const walk = (node: TreeNode, path: string) => {
    const deploy = node.children.get("deploy");
    if (deploy !== undefined && path !== "/") {
      const here = into.order++;
      for (const [key, target] of deploy.children) {
        if (target.ephemeral) continue;
        let list = byKey.get(key);
        if (list === undefined) byKey.set(key, list = []);
        list.push({
          order: here,
          path,
          result: instances(node, path, target, `${path}/deploy/${key}`),
        });
      }
    }
    for (const name of [...node.children.keys()].sort()) {
      if (path === "/" && RESERVED_TOP_LEVEL.has(name)) continue;
      const child = node.children.get(name)!;
      if (!child.ephemeral) walk(child, joinPath(path, name));
    }
  };
  walk(root, "/");
}

/** The names a host answers to, sorted and without repeats (id, name and role if any). */
export function hostKeys(host: HostIdentity): string[] {
  const keys = [host.id, host.name, ...(host.role === null ? [] : [host.role])];
  return [...new Set(keys)].sort();
}

/**
 * The deployments for `host`, in tree walk order, from `lookup` (the lists of the host's names,
 * as {@linkcode deploymentsByKey} makes them). Throws {@linkcode DeploymentError} for the seed's
 * errors: a host-based deployment on a host with a role, the same app deployed to both the
 * host's id and name, a bad type, version or `n`.
 */
export function selectDeployments(
  lookup: (key: string) => readonly KeyedDeployment[] | undefined,
  host: HostIdentity,
): Deployment[] {
  const items = hostKeys(host).flatMap((key) => (lookup(key) ?? []).map((item) => ({ key, item })));
  items.sort((a, b) => a.item.order - b.item.order || (a.key < b.key ? -1 : 1));
  const found: Deployment[] = [];
  const seen = new Set<string>();
  for (const { key, item } of items) {
    const { path, result } = item;
    if (!matches(key, host, `${path}/deploy/${key}`)) continue;
    if (seen.has(path)) {
      throw new DeploymentError(
        `Conflicting deployments for ${path}. Can't deploy to ${host.name} and ${host.id}.`,
      );
    }
    seen.add(path);
    if ("error" in result) throw new DeploymentError(result.error);
    const { pkg, subtype, version, rawVersion, count, policy } = result;
    const app = appOf(pkg);
    for (let n = 0; n < count; n++) {
      const d: Deployment = { app, subtype, pkg, version, rawVersion, path, n, target: key };
      if (policy !== undefined) d.policy = policy;
      found.push(d);
    }
  }
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

function instances(
  app: TreeNode,
  path: string,
  target: TreeNode,
  hostPath: string,
): KeyedInstances | { error: string } {
  const type = app.properties.type;
  if (typeof type !== "string") {
    return { error: `No type for ${path} (it has a deploy node for ${hostPath})` };
  }
  const words = type.trim().split(/\s+/);
  if (words.length > 2 || words[0] === "") {
    return { error: `Invalid node type at ${path}: ${formatValue(type)}` };
  }
  const [pkg, subtype = null] = words;
  const rawVersion = app.properties.version ?? null;
  let version: string | null;
  if (typeof rawVersion === "string" || typeof rawVersion === "number") {
    version = String(rawVersion);
  } else if (rawVersion === null && VERSIONED.test(pkg)) {
    version = null;
  } else if (rawVersion === null) {
    return { error: `No version found for ${path}` };
  } else {
    return { error: `Invalid version at ${path}: ${formatValue(rawVersion)}` };
  }
  const n = target.properties.n ?? 1;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
    return { error: `Invalid n at ${hostPath}: ${formatValue(n)} (expected a whole number)` };
  }
  const found: KeyedInstances = { pkg, subtype, version, rawVersion, count: n };
  const policy = rolloutProperties(app.properties);
  if (Object.keys(policy).length > 0) found.policy = policy;
  return found;
}
