/**
 * Ephemeral nodes the ZooKeeper store keeps alive: re-created with their latest data after the
 * session that owned them expired, until removed or the store closes.
 *
 * @module
 */
import { type EphemeralHandle, isStoreError, StoreError } from "../types.ts";
import { validatePath } from "../path.ts";
import { zk, type ZkStat } from "./client.ts";
import { isZero, type ZkConnection } from "./connection.ts";
import type { ZkWrites } from "./writes.ts";

/** The ephemerals a ZooKeeper store keeps. */
export class ZkEphemerals {
  readonly #conn: ZkConnection;
  readonly #writes: ZkWrites;
  readonly #ephemerals = new Map<string, ZooKeeperEphemeral>();

  /** Keeps ephemerals through `conn`, writing with `writes`. */
  constructor(conn: ZkConnection, writes: ZkWrites) {
    this.#conn = conn;
    this.#writes = writes;
  }

  /**
   * Creates an ephemeral node kept alive across session expiry. A childless persistent node at
   * `path` is replaced (deleted at the version read); another session's ephemeral node never is
   * (`NODE_EXISTS`).
   */
  async ephemeral(path: string, data: string): Promise<EphemeralHandle> {
    validatePath(path);
    if (this.#ephemerals.has(path)) {
      throw new StoreError("NODE_EXISTS", "this store already keeps an ephemeral node", path);
    }
    const handle: ZooKeeperEphemeral = new ZooKeeperEphemeral(path, data, {
      write: (value: string): Promise<void> => this.#writeEphemeral(handle, value),
      remove: () => this.#removeEphemeral(handle),
    });
    this.#ephemerals.set(path, handle);
    try {
      await this.#ensureEphemeral(path, () => handle.data);
    } catch (error) {
      this.#ephemerals.delete(path);
      throw error;
    }
    return handle;
  }

  /** After an expiry: re-creates every kept ephemeral, until `stale` says to stop. */
  async recreateAll(stale: () => boolean): Promise<void> {
    for (const handle of [...this.#ephemerals.values()]) {
      for (let attempt = 1;; attempt++) {
        if (stale()) return; // the next `connected` starts over
        try {
          await this.#ensureEphemeral(handle.path, () => handle.data);
          break;
        } catch (error) {
          if (!isStoreError(error, "CONNECTION") || attempt >= 3) {
            console.error(`zookeeper store: cannot re-create ephemeral ${handle.path}:`, error);
            break;
          }
        }
      }
    }
  }

  /** Stops keeping every ephemeral (on close). */
  clear(): void {
    this.#ephemerals.clear();
  }

  /** Creates the ephemeral node with the current data, replacing a childless persistent node. */
  async #ensureEphemeral(path: string, data: () => string): Promise<void> {
    for (let attempt = 1;; attempt++) {
      try {
        await this.#writes.createRaw(path, data(), zk.CreateMode.EPHEMERAL);
        return;
      } catch (error) {
        if (!isStoreError(error, "NODE_EXISTS") || attempt >= 5) throw error;
      }
      const abs = this.#conn.abs(path);
      const stat = await this.#conn.request<ZkStat | null | undefined>(
        "exists",
        path,
        (c, done) => c.exists(abs, undefined, done),
      );
      if (!stat) continue;
      const client = this.#conn.client;
      const mine = client !== undefined && !isZero(stat.ephemeralOwner) &&
        stat.ephemeralOwner.equals(client.getSessionId());
      if (mine) {
        await this.#writes.set(path, data());
        return;
      }
      if (!isZero(stat.ephemeralOwner)) {
        throw new StoreError("NODE_EXISTS", "another session owns this ephemeral node", path);
      }
      try {
        await this.#writes.delete(path, stat.version);
      } catch (error) {
        if (!isStoreError(error, "NO_NODE") && !isStoreError(error, "BAD_VERSION")) throw error;
      }
    }
  }

  async #writeEphemeral(handle: ZooKeeperEphemeral, data: string): Promise<void> {
    for (;;) {
      if (this.#conn.closed || handle.removed) {
        throw new StoreError("CLOSED", "ephemeral node no longer kept", handle.path);
      }
      try {
        await this.#writes.set(handle.path, data);
        return;
      } catch (error) {
        if (isStoreError(error, "NO_NODE")) {
          await this.#ensureEphemeral(handle.path, () => handle.data);
          return;
        }
        if (!isStoreError(error, "CONNECTION")) throw error;
      }
      await this.#conn.waitConnected();
    }
  }

  async #removeEphemeral(handle: ZooKeeperEphemeral): Promise<void> {
    if (this.#ephemerals.get(handle.path) === handle) this.#ephemerals.delete(handle.path);
    if (this.#conn.closed) return;
    try {
      await this.#writes.delete(handle.path);
    } catch (error) {
      if (!isStoreError(error, "NO_NODE")) throw error;
    }
  }
}

/** An ephemeral node kept by a ZooKeeper store. */
class ZooKeeperEphemeral implements EphemeralHandle {
  readonly path: string;
  data: string;
  removed = false;
  readonly #ops: { write(data: string): Promise<void>; remove(): Promise<void> };

  constructor(
    path: string,
    data: string,
    ops: { write(data: string): Promise<void>; remove(): Promise<void> },
  ) {
    this.path = path;
    this.data = data;
    this.#ops = ops;
  }

  /** Replaces the data (waiting for a connection if needed); remembered for re-creation. */
  update(data: string): Promise<void> {
    this.data = data;
    return this.#ops.write(data);
  }

  /** Deletes the node and stops keeping it. */
  remove(): Promise<void> {
    this.removed = true;
    return this.#ops.remove();
  }
}
