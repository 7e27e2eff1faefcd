/**
 * What an agent reports in the store: its host node `/hosts/<id>` (`name`, `version`, `role`,
 * and `error` after a failure) and ALL STOP (the cluster version set to `None`). A write that
 * fails for the connection is owed, and made again by {@linkcode HostReport.retryOwed} after a
 * reconnect.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import { encodeProperties } from "../tree/codec.ts";
import type { Properties, Value } from "../tree/model.ts";
import type { EphemeralHandle, Store } from "../store/types.ts";
import { updateProperties } from "../store/tree_io.ts";
import { type HostIdentity } from "../cluster/mod.ts";
import { message } from "../error_message.ts";
import { HOSTS_PATH } from "../cluster/mod.ts";
import type { RolloutEntry } from "./rollout.ts";

/** The data of a host node: `name`, `version` and, when the host has one, `role`. */
export function hostProperties(host: HostIdentity, version: Value): Properties {
  const properties: Properties = { name: host.name, version };
  if (host.role !== null) properties.role = host.role;
  return properties;
}

/** This host's node and its ALL STOP. */
export class HostReport {
  readonly #store: Store;
  readonly #logger: Logger;
  readonly #host: HostIdentity;
  readonly #handle: EphemeralHandle;
  #version: Value;
  #error: string | null = null;
  #dirty = false;
  #allStopOwed = false;
  /** What the host is doing per app in its current rollout (issue 18; `rollout.ts`). */
  #rollout: Record<string, Value> = {};

  /** Reports for `host`, whose registered node is `handle`, at `version`. */
  constructor(
    store: Store,
    logger: Logger,
    host: HostIdentity,
    handle: EphemeralHandle,
    version: Value,
  ) {
    this.#store = store;
    this.#logger = logger;
    this.#host = host;
    this.#handle = handle;
    this.#version = version;
  }

  /** Records a successful deployment of `version`: the node gets it, and loses its `error`. */
  async deployed(version: Value): Promise<void> {
    this.#version = version;
    this.#error = null;
    await this.#publish();
  }

  /** ALL STOP for `error`: the cluster version becomes None and the host node gets `error`. */
  async stopCluster(error: unknown): Promise<void> {
    this.#error = message(error);
    await this.#allStop();
    await this.#publish();
  }

  /**
   * Sets the rollout entry of the app at `path` (see `rollout.ts`) and writes the node, or with
   * `write` false keeps it for the node's next write.
   */
  async rollout(path: string, entry: RolloutEntry, write = true): Promise<void> {
    this.#rollout = { ...this.#rollout, [path]: { ...entry } };
    if (write) await this.#publish();
  }

  /** After a reconnect: makes the writes that failed (ALL STOP first). */
  retryOwed(): void {
    if (this.#allStopOwed) void this.#allStop();
    if (this.#dirty) void this.#publish();
  }

  /** Removes the host node (a failure is logged). */
  async remove(): Promise<void> {
    await this.#handle.remove().catch((e) => {
      this.#logger.warning(`Could not remove ${this.#handle.path}: ${message(e)}`);
    });
  }

  /** Sets the cluster version to None (ALL STOP); owed again after a reconnect if it fails. */
  async #allStop() {
    this.#allStopOwed = true;
    try {
      await updateProperties(this.#store, HOSTS_PATH, (p) => ({ ...p, version: null }));
      this.#allStopOwed = false;
    } catch (error) {
      this.#logger.error(`Could not set the cluster version to None: ${message(error)}`);
    }
  }

  /** Writes the host node's data; retried after a reconnect if it fails. */
  async #publish() {
    this.#dirty = true;
    const properties = hostProperties(this.#host, this.#version);
    if (this.#error !== null) properties.error = this.#error;
    if (Object.keys(this.#rollout).length > 0) properties.rollout = this.#rollout;
    try {
      await this.#handle.update(encodeProperties(properties));
      this.#dirty = false;
    } catch (error) {
      this.#logger.warning(`Could not update ${this.#handle.path}: ${message(error)}`);
    }
  }
}
