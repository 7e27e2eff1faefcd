/**
 * A counting semaphore in the node layout of kazoo's `Semaphore` recipe
 * (`kazoo.recipe.lock.Semaphore`), on any {@linkcode Store}, so that a kazoo client can inspect
 * it (`lease_holders()`) and an operator can hold leases (or its lock) to pause what it guards:
 *
 * - `<path>`: the lease pool; its data is `max_leases` as decimal text;
 * - `<path>/<32 hex digits>`: one ephemeral node per lease held, holding the holder's identifier;
 * - `<path>-__lock__`: a standard lock ({@linkcode acquireRecipeLock}) that a contender holds
 *   while it looks for a free lease, so only one contender at a time watches the pool.
 *
 * A contender takes the lock, counts the leases; when fewer than `max_leases` are held it
 * creates its lease and leaves the lock; otherwise it waits (still holding the lock) until a
 * lease goes, and counts again. kazoo refuses a pool whose stored `max_leases` differs from its
 * own; here the stored value is rewritten to the caller's (the tree's `max_parallel` changed),
 * and the caller's count is used.
 *
 * @module
 */
import { isStoreError, type Lock, type Store, StoreError } from "../types.ts";
import { acquireRecipeLock, retrying } from "./lock.ts";
import { untilGone } from "./until_gone.ts";

/** The name of a semaphore's lock: `<path>` followed by this (kazoo's `lock_path`). */
export const SEMAPHORE_LOCK_SUFFIX = "-__lock__";

/** Options of {@linkcode acquireSemaphore}. */
export interface SemaphoreOptions {
  /** Stored in the lease (and lock contender) node: who holds it. */
  identifier?: string;
  /** Called once, when every lease is held and the caller starts waiting, with the holders. */
  onWait?: (holders: string[]) => void;
  /** Stops waiting: the call rejects with {@linkcode StoreError} `CLOSED`. */
  signal?: AbortSignal;
}

/** A held lease. */
export interface SemaphoreLease extends Lock {
  /** The lease node. */
  readonly node: string;
}

/**
 * The lease nodes among a pool's children: every child, as kazoo counts them (ours are named by
 * 32 hex digits, kazoo's `uuid4().hex`).
 */
export function leaseNames(children: readonly string[]): string[] {
  return [...children];
}

/**
 * Takes one of the `maxLeases` leases of the semaphore at `path`, waiting while all are held.
 * Rejects for a failure that is not the connection's, or when `signal` aborts.
 */
export async function acquireSemaphore(
  store: Store,
  path: string,
  maxLeases: number,
  options: SemaphoreOptions = {},
): Promise<SemaphoreLease> {
  if (!Number.isSafeInteger(maxLeases) || maxLeases < 1) {
    throw new StoreError("INVALID", `bad max_leases ${maxLeases}`, path);
  }
  const identifier = options.identifier ?? "";
  await ensurePool(store, path, maxLeases);
  const lock = await acquireRecipeLock(store, `${path}${SEMAPHORE_LOCK_SUFFIX}`, {
    identifier,
    signal: options.signal,
  });
  const name = crypto.randomUUID().replaceAll("-", "");
  const node = `${path}/${name}`;
  let told = false;
  try {
    for (;;) {
      const leases = leaseNames(
        await retrying(async () => (await store.get(path))?.children ?? []),
      );
      if (leases.includes(name)) return held(store, node);
      if (leases.length < maxLeases) {
        await retrying(() =>
          store.create(node, identifier, { ephemeral: true }).catch((error) => {
            if (!isStoreError(error, "NODE_EXISTS")) throw error;
            return node;
          })
        );
        return held(store, node);
      }
      if (!told) {
        told = true;
        const holders = await retrying(() => store.getMany(leases.map((l) => `${path}/${l}`)));
        options.onWait?.(holders.filter((h) => h !== null).map((h) => h!.data));
      }
      if (!await untilAnyGone(store, leases.map((l) => `${path}/${l}`), options.signal)) {
        throw new StoreError("CLOSED", "stopped waiting for the semaphore", path);
      }
    }
  } finally {
    await lock.release();
  }
}

/** The identifiers of the leases held now (kazoo's `lease_holders()`). */
export async function leaseHolders(store: Store, path: string): Promise<string[]> {
  const pool = await store.get(path);
  if (pool === null) return [];
  const nodes = await store.getMany(leaseNames(pool.children).map((l) => `${path}/${l}`));
  return nodes.filter((n) => n !== null).map((n) => n!.data);
}

/** Creates the pool with `max_leases` as its data, or rewrites a different stored count. */
async function ensurePool(store: Store, path: string, maxLeases: number): Promise<void> {
  const text = String(maxLeases);
  await retrying(async () => {
    const pool = await store.get(path, { dataOnly: true });
    if (pool === null) {
      await store.create(path, text, { parents: true }).catch((error) => {
        if (!isStoreError(error, "NODE_EXISTS")) throw error;
      });
    } else if (pool.data !== text) {
      await store.set(path, text);
    }
  });
}

/** Resolves true as soon as one of `paths` is gone, false when `signal` aborts first. */
async function untilAnyGone(
  store: Store,
  paths: readonly string[],
  signal?: AbortSignal,
): Promise<boolean> {
  if (signal?.aborted) return false;
  const done = new AbortController();
  const abort = () => done.abort();
  signal?.addEventListener("abort", abort, { once: true });
  try {
    const gone = await Promise.race(paths.map((p) => untilGone(store, p, done.signal)));
    return gone && !(signal?.aborted ?? false);
  } finally {
    signal?.removeEventListener("abort", abort);
    done.abort();
  }
}

function held(store: Store, node: string): SemaphoreLease {
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
