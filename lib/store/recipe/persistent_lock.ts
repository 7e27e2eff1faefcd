/**
 * A persistent lock (a queue of persistent requests), as role controllers use it: the lock node
 * must exist; a requestor adds the persistent sequential node `<lock>/lr-<seq>` with
 * `{hostname, requestor}` and holds the lock while its request is the lowest. Unlike the
 * ephemeral mutex, a request outlives its requestor's session: a holder that fails (or dies)
 * keeps the lock until its request is removed, and a requestor that finds its own earlier
 * request adopts it instead of queueing again.
 *
 * @module
 */
import { decodeProperties, encodeProperties } from "../../tree/codec.ts";
import { isStoreError, type Store, StoreError } from "../types.ts";
import { untilGone } from "./until_gone.ts";

/** The prefix of request nodes. */
export const REQUEST_PREFIX = "lr-";

/** Who asks for the lock. */
export interface Requestor {
  /** The host name (for people reading the tree; not used by the lock). */
  hostname: string;
  /** The requestor id (the host id): what an earlier request of the same requestor carries. */
  requestor: string;
}

/** One request node under a lock. */
export interface LockRequest extends Partial<Requestor> {
  /** The request node's name (`lr-0000000003`). */
  name: string;
}

/** Options of {@linkcode acquirePersistentLock}. */
export interface PersistentLockOptions extends Requestor {
  /** Called once when another request is ahead, with the request that holds the lock. */
  onWait?: (holder: LockRequest) => void;
  /**
   * Stops waiting: the call then rejects with a `CLOSED` {@linkcode StoreError}, and a request
   * it made (not an adopted one) is withdrawn.
   */
  signal?: AbortSignal;
}

/** A held persistent lock. */
export interface PersistentLock {
  /** The lock node. */
  readonly path: string;
  /** This requestor's request node name (`lr-0000000003`). */
  readonly request: string;
  /** Whether an earlier request of this requestor was adopted. */
  readonly adopted: boolean;
  /** Removes the request, freeing the lock (call only after success; a failure keeps it). */
  release(): Promise<void>;
}

/** The lock node does not exist (the lock is not set up). */
export class MissingLockError extends Error {
  /** Makes the error. */
  constructor(path: string) {
    super(`role lock node '${path}' must exist`);
    this.name = "MissingLockError";
  }
}

/** The requests queued on the lock at `path`, lowest (the holder) first; null without the node. */
export async function readLockRequests(store: Store, path: string): Promise<LockRequest[] | null> {
  const node = await store.get(path);
  if (node === null) return null;
  const names = requestNames(node.children);
  const nodes = await store.getMany(names.map((name) => `${path}/${name}`));
  const requests: LockRequest[] = [];
  names.forEach((name, i) => {
    const data = nodes[i];
    if (data === null) return; // removed meanwhile
    const properties = safeDecode(data.data);
    const request: LockRequest = { name };
    if (typeof properties.hostname === "string") request.hostname = properties.hostname;
    if (typeof properties.requestor === "string") request.requestor = properties.requestor;
    requests.push(request);
  });
  return requests;
}

/**
 * Takes the persistent lock at `path`, waiting while an earlier request is queued. Adopts this
 * requestor's own earlier request when there is one. Throws {@linkcode MissingLockError} when
 * the lock node does not exist.
 */
export async function acquirePersistentLock(
  store: Store,
  path: string,
  options: PersistentLockOptions,
): Promise<PersistentLock> {
  const queued = await readLockRequests(store, path);
  if (queued === null) throw new MissingLockError(path);
  const own = queued.find((r) => r.requestor === options.requestor);
  let request: string;
  if (own !== undefined) {
    request = own.name;
  } else {
    const data = encodeProperties({ hostname: options.hostname, requestor: options.requestor });
    try {
      const created = await store.create(`${path}/${REQUEST_PREFIX}`, data, { sequential: true });
      request = created.slice(created.lastIndexOf("/") + 1);
    } catch (error) {
      if (isStoreError(error, "NO_NODE")) throw new MissingLockError(path);
      throw error;
    }
  }
  let told = false;
  for (;;) {
    if (options.signal?.aborted) {
      if (own === undefined) await store.delete(`${path}/${request}`).catch(() => {});
      throw new StoreError("CLOSED", "Stopped waiting for the lock", path);
    }
    const requests = await readLockRequests(store, path);
    if (requests === null) throw new MissingLockError(path);
    const index = requests.findIndex((r) => r.name === request);
    if (index === -1) {
      throw new Error(`The request ${path}/${request} was removed while waiting for the lock`);
    }
    if (index === 0) break;
    if (!told) {
      told = true;
      options.onWait?.(requests[0]);
    }
    await untilGone(store, `${path}/${requests[index - 1].name}`, options.signal);
  }
  return {
    path,
    request,
    adopted: own !== undefined,
    release: () =>
      store.delete(`${path}/${request}`).catch((error) => {
        if (!(isStoreError(error, "NO_NODE"))) throw error;
      }),
  };
}

/** Request names among `children`, in queue order (by sequence number). */
function requestNames(children: readonly string[]): string[] {
  const seq = (name: string) => Number(name.slice(REQUEST_PREFIX.length));
  return children
    .filter((name) =>
      name.startsWith(REQUEST_PREFIX) && /^\d+$/.test(name.slice(REQUEST_PREFIX.length))
    )
    .sort((a, b) => seq(a) - seq(b));
}

function safeDecode(data: string) {
  try {
    return decodeProperties(data);
  } catch {
    return {};
  }
}
