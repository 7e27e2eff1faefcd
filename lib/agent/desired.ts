/**
 * Where the agent learns what this host should run: the deployment index when it is current
 * ({@linkcode IndexedSource}), otherwise a walk of the whole tree ({@linkcode TreeWalkSource}).
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { Store } from "../store/types.ts";
import { readTrees } from "../store/tree_io.ts";
import { emptyNode, joinPath } from "../tree/model.ts";
import { type ClusterSeen, readDeploymentIndex } from "../cluster/mod.ts";
import { type Deployment, deploymentsForHost } from "./deployments.ts";
import { showVersion } from "../cluster/mod.ts";
import { type HostIdentity } from "../cluster/mod.ts";
import { RESERVED_TOP_LEVEL } from "../cluster/mod.ts";

/** Reads the deployments the cluster wants on a host. */
export interface DesiredSource {
  /**
   * The deployments for `host`; `seen` is the cluster version (and `/hosts` data version) the
   * caller is deploying, when it knows it. Throws a `StoreError` when the store cannot be read
   * and a `DeploymentError` when the tree is wrong for this host.
   */
  read(host: HostIdentity, seen?: ClusterSeen): Promise<Deployment[]>;
}

/** Reads every top-level tree that can hold deployments, together, and walks it. */
export class TreeWalkSource implements DesiredSource {
  readonly #store: Store;

  /** Reads from `store`. */
  constructor(store: Store) {
    this.#store = store;
  }

  /** Reads the tree and walks it. */
  async read(host: HostIdentity): Promise<Deployment[]> {
    const top = await this.#store.get("/");
    const names = (top?.children ?? []).filter((name) => !RESERVED_TOP_LEVEL.has(name));
    const nodes = await readTrees(this.#store, names.map((n) => joinPath("/", n)), {
      ephemeral: false,
    });
    const root = emptyNode();
    names.forEach((name, i) => {
      const node = nodes[i];
      if (node !== null && !node.ephemeral) root.children.set(name, node);
    });
    return deploymentsForHost(root, host);
  }
}

/**
 * The deployment index when it is provably current for the version being deployed, otherwise
 * the walk; logs at debug level which one it used and why.
 */
export class IndexedSource implements DesiredSource {
  readonly #store: Store;
  readonly #logger: Logger;
  readonly #walk: TreeWalkSource;

  /** Reads from `store`, logging its choice to `logger`. */
  constructor(store: Store, logger: Logger) {
    this.#store = store;
    this.#logger = logger;
    this.#walk = new TreeWalkSource(store);
  }

  /** Reads the index, or walks the tree when it is absent or not current. */
  async read(host: HostIdentity, seen?: ClusterSeen): Promise<Deployment[]> {
    const found = await readDeploymentIndex(this.#store, host, seen);
    if (found.source === "index") {
      this.#logger.debug(
        `Deployments from the deployment index (version ${showVersion(found.version)})`,
      );
      return found.deployments();
    }
    this.#logger.debug(`Deployments from a walk of the tree: ${found.reason}`);
    return await this.#walk.read(host);
  }
}
