/**
 * Registering this host: exactly one agent per host id. The host node `/hosts/<id>` is made by
 * one atomic create of an ephemeral node, which fails when any node is there:
 * - another agent's (ephemeral) node: refused, never deleted;
 * - a leftover persistent node (written by an older agent or by hand): adopted — its `version`
 *   is taken as this host's, and it is deleted only at the data version just read (a
 *   check-and-delete), so a node that changed meanwhile is looked at again, never lost.
 * Then the store keeps the node (re-created after a session expiry, with its latest data).
 *
 * @module
 */
import { type EphemeralHandle, isStoreError, type Store } from "../store/types.ts";
import { decodeProperties, encodeProperties } from "../tree/codec.ts";
import type { Properties, Value } from "../tree/model.ts";
import { type HostIdentity } from "../cluster/mod.ts";
import { HOSTS_PATH } from "../cluster/mod.ts";

/** How many times a leftover node that keeps changing is looked at before giving up. */
const ATTEMPTS = 5;

/** The registered host node and the version the host starts from. */
export interface Registration {
  /** The kept host node. */
  handle: EphemeralHandle;
  /** The host version: the local one, or a leftover persistent node's. */
  version: Value;
}

/** Another agent is running for this host id. */
export class AlreadyRunningError extends Error {
  /** Makes the error for host `id` and its node `path`. */
  constructor(id: string, path: string) {
    super(`Another agent is running for host ${id}: ${path} exists`);
    this.name = "AlreadyRunningError";
  }
}

/**
 * Registers `/hosts/<host.id>` with `properties(host, version)` as described in the module
 * doc. Throws {@linkcode AlreadyRunningError} when another agent holds it.
 */
export async function registerHost(
  store: Store,
  host: HostIdentity,
  localVersion: Value,
  properties: (host: HostIdentity, version: Value) => Properties,
): Promise<Registration> {
  const path = `${HOSTS_PATH}/${host.id}`;
  if (await store.get(HOSTS_PATH, { dataOnly: true }) === null) {
    await store.create(HOSTS_PATH, "").catch((error) => {
      if (!isStoreError(error, "NODE_EXISTS")) throw error;
    });
  }
  let version = localVersion;
  for (let attempt = 1;; attempt++) {
    try {
      await store.create(path, encodeProperties(properties(host, version)), { ephemeral: true });
      break;
    } catch (error) {
      if (!isStoreError(error, "NODE_EXISTS") || attempt >= ATTEMPTS) throw error;
    }
    const existing = await store.get(path);
    if (existing === null) continue; // gone meanwhile: try again
    if (existing.ephemeral) throw new AlreadyRunningError(host.id, path);
    const legacy = decodeProperties(existing.data);
    try {
      await store.delete(path, existing.version);
      if ("version" in legacy) version = legacy.version;
    } catch (error) {
      if (!isStoreError(error, "NO_NODE") && !isStoreError(error, "BAD_VERSION")) throw error;
    }
  }
  // The node is ours: from now on the store keeps it.
  const handle = await store.ephemeral(path, encodeProperties(properties(host, version)));
  return { handle, version };
}
