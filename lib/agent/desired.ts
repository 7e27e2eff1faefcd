/**
 * Where the agent learns what this host should run: one small interface, so the full-tree walk
 * ({@linkcode TreeWalkSource}) can later be replaced by one read of a compact snapshot.
 *
 * @module
 */
import { type Store, StoreError } from "../store/types.ts";
import { readTree } from "../store/tree_io.ts";
import { emptyNode, joinPath, type TreeNode } from "../tree/model.ts";
import { type Deployment, deploymentsForHost } from "./deployments.ts";
import type { HostIdentity } from "./identity.ts";

/** Reads the deployments the cluster wants on a host. */
export interface DesiredSource {
  /**
   * The deployments for `host`. Throws a `StoreError` when the store cannot be read and a
   * `DeploymentError` when the tree is wrong for this host.
   */
  read(host: HostIdentity): Promise<Deployment[]>;
}

/** Top-level nodes that hold no deployments and are not read. */
const NOT_READ = new Set(["hosts", "zookeeper"]);

/** Reads every top-level tree but `/hosts` and walks it for the host's deployments. */
export class TreeWalkSource implements DesiredSource {
  readonly #store: Store;

  /** Reads from `store`. */
  constructor(store: Store) {
    this.#store = store;
  }

  /** Reads the tree and walks it. */
  async read(host: HostIdentity): Promise<Deployment[]> {
    const top = await this.#store.get("/");
    const names = (top?.children ?? []).filter((name) => !NOT_READ.has(name));
    const nodes = await Promise.all(names.map((name) => this.#readTop(name)));
    const root = emptyNode();
    names.forEach((name, i) => nodes[i] && root.children.set(name, { ...nodes[i], name }));
    return deploymentsForHost(root, host);
  }

  /** One top-level subtree, or null when it was deleted meanwhile. */
  async #readTop(name: string): Promise<TreeNode | null> {
    try {
      return await readTree(this.#store, joinPath("/", name), { ephemeral: false });
    } catch (error) {
      if (error instanceof StoreError && error.code === "NO_NODE") return null;
      throw error;
    }
  }
}
