/**
 * ZooKeeper's standard lock recipe, as kazoo writes it (`kazoo.recipe.lock.Lock`), on any
 * {@linkcode Store}: each contender creates the ephemeral sequential child
 * `<path>/<uuid>__lock__<10-digit seq>` holding its identifier; the lowest sequence holds the
 * lock; every other contender watches its predecessor and looks again when it goes. The lock
 * directory `<path>` stays (persistent). Because the layout is the standard one, kazoo and
 * Curator-style clients (older agents, an operator pausing an app) and this module see each
 * other's locks.
 *
 * A lost connection never leaves a stray contender behind: the uuid in the node name lets a
 * retried create find the node that an unanswered create may have made (kazoo does the same),
 * and a release that fails for the connection is retried until the node is gone.
 *
 * @module
 */
import { isStoreError, type Lock, type Store, StoreError } from "../types.ts";
import { untilGone } from "./until_gone.ts";

/** The part of a contender's name before its sequence number (kazoo's `_NODE_NAME`). */
export const LOCK_NODE_NAME = "__lock__";

/** A child of a lock directory that contends for it: kazoo's write and read lock nodes. */
const CONTENDER = /(?:__lock__|__rlock__)(-?\d{10})$/;

/** How long to wait before retrying an operation that failed for the connection. */
const RETRY_MS = 250;

/** Options of {@linkcode acquireRecipeLock}. */
export interface RecipeLockOptions {
  /** Stored in the contender node, to tell others who holds the lock (kazoo's identifier). */
  identifier?: string;
  /**
   * Called once, when the lock is busy and the caller starts waiting, with the holder's data
   * (its identifier; "" when it gave none) and its node name.
   */
  onWait?: (holder: string, node: string) => void;
  /**
   * Stops waiting: the contender node is removed and the call rejects with
   * {@linkcode StoreError} `CLOSED`.
   */
  signal?: AbortSignal;
}

/** A held recipe lock. */
export interface RecipeLock extends Lock {
  /** The contender node this holder owns. */
  readonly node: string;
}

/** The sequence number of a contender child, or null when `name` is not one. */
export function contenderSequence(name: string): number | null {
  const match = CONTENDER.exec(name);
  return match === null ? null : Number(match[1]);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The lock's contenders, lowest sequence first. */
function contenders(children: readonly string[]): string[] {
  return children
    .filter((child) => contenderSequence(child) !== null)
    .sort((a, b) => contenderSequence(a)! - contenderSequence(b)!);
}

/**
 * Takes the lock at `path`, waiting as long as contenders with lower sequence numbers exist.
 * Rejects only for a failure that is not the connection's (CONNECTION failures are retried; the
 * store bounds each request) or when the store closes.
 */
export async function acquireRecipeLock(
  store: Store,
  path: string,
  options: RecipeLockOptions = {},
): Promise<RecipeLock> {
  const prefix = `${crypto.randomUUID().replaceAll("-", "")}${LOCK_NODE_NAME}`;
  await retrying(async () => {
    if (await store.get(path, { dataOnly: true }) !== null) return;
    await store.create(path, "", { parents: true }).catch((error) => {
      if (!isStoreError(error, "NODE_EXISTS")) throw error;
    });
  });
  // Contend at once: the prefix is new, so no node of ours can be there to find yet (and
  // `createContender` finds the node of its own unanswered create).
  let node = await createContender(store, path, prefix, options.identifier ?? "");
  let told = false;
  for (;;) {
    const children = await retrying(async () => (await store.get(path))?.children ?? []);
    if (!children.includes(node)) {
      // Our node went with an expired session: contend again.
      node = await createContender(store, path, prefix, options.identifier ?? "");
      continue;
    }
    const queue = contenders(children);
    const index = queue.indexOf(node);
    if (index === 0) return heldNode(store, `${path}/${node}`);
    const predecessor = `${path}/${queue[index - 1]}`;
    if (!told) {
      const holder = await retrying(() => store.get(`${path}/${queue[0]}`));
      if (holder !== null) {
        told = true;
        options.onWait?.(holder.data, queue[0]);
      }
    }
    if (!await untilGone(store, predecessor, options.signal)) {
      await heldNode(store, `${path}/${node}`).release();
      throw new StoreError("CLOSED", "stopped waiting for the lock", path);
    }
  }
}

/** Creates our contender node; after a connection failure, finds it if the create happened. */
async function createContender(
  store: Store,
  path: string,
  prefix: string,
  identifier: string,
): Promise<string> {
  for (;;) {
    try {
      const created = await store.create(`${path}/${prefix}`, identifier, {
        ephemeral: true,
        sequential: true,
      });
      return created.slice(created.lastIndexOf("/") + 1);
    } catch (error) {
      if (!isStoreError(error, "CONNECTION")) throw error;
    }
    await sleep(RETRY_MS);
    const children = await retrying(async () => (await store.get(path))?.children ?? []);
    const found = children.find((c) => c.startsWith(prefix));
    if (found !== undefined) return found;
  }
}

/**
 * A node this client holds in a recipe (a lock's contender, a semaphore's lease), released by
 * deleting it once, retried across lost connections; a node already gone counts as released.
 */
export function heldNode(store: Store, node: string): RecipeLock {
  let released: Promise<void> | undefined;
  return {
    node,
    release: () =>
      released ??= retrying(() =>
        store.delete(node).catch((error) => {
          if (!isStoreError(error, "NO_NODE")) throw error;
        })
      ),
  };
}

/**
 * Runs `fn`, trying again while it fails for the connection: the outcome of such a request is
 * unknown, and every caller here re-reads or accepts "already done".
 */
export async function retrying<T>(fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (!isStoreError(error, "CONNECTION")) throw error;
    }
    await sleep(RETRY_MS);
  }
}
