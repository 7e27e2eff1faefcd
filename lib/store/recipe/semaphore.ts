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
import { acquireRecipeLock, heldNode, retrying } from "./lock.ts";

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
  // The leases watched so far, kept across rounds: each round watches only the new ones, so a
  // hand-over costs a few requests, not one per lease.
  const watches = new LeaseWatches(store, options.signal);
  try {
    for (;;) {
      const leases = leaseNames(
        await retrying(async () => (await store.get(path))?.children ?? []),
      );
      if (leases.includes(name)) return heldNode(store, node);
      if (leases.length < maxLeases) {
        await retrying(() =>
          store.create(node, identifier, { ephemeral: true }).catch((error) => {
            if (!isStoreError(error, "NODE_EXISTS")) throw error;
            return node;
          })
        );
        return heldNode(store, node);
      }
      if (!told) {
        told = true;
        const holders = await retrying(() => store.getMany(leases.map((l) => `${path}/${l}`)));
        options.onWait?.(holders.filter((h) => h !== null).map((h) => h!.data));
      }
      if (!await watches.untilOneGone(leases.map((l) => `${path}/${l}`))) {
        throw new StoreError("CLOSED", "stopped waiting for the semaphore", path);
      }
    }
  } finally {
    watches.stop();
    await lock.release();
  }
}

/** Watches of lease nodes, resolving a wait as soon as one of them is gone. */
class LeaseWatches {
  readonly #store: Store;
  readonly #signal?: AbortSignal;
  readonly #stops = new Map<string, () => void>();
  readonly #gone = new Set<string>();
  #wake: (() => void) | null = null;

  constructor(store: Store, signal?: AbortSignal) {
    this.#store = store;
    this.#signal = signal;
  }

  /** Resolves true once one of `paths` is gone (now or later), false when the signal aborts. */
  untilOneGone(paths: readonly string[]): Promise<boolean> {
    const wanted = new Set(paths);
    for (const [path, stop] of this.#stops) {
      if (!wanted.has(path)) {
        stop();
        this.#stops.delete(path);
      }
    }
    this.#gone.clear();
    for (const path of paths) {
      if (this.#stops.has(path)) continue;
      this.#stops.set(
        path,
        this.#store.watch(path, (node) => {
          if (node !== null) return;
          this.#gone.add(path);
          this.#wake?.();
        }, { dataOnly: true }),
      );
    }
    return new Promise<boolean>((resolve) => {
      const finish = (value: boolean) => {
        this.#wake = null;
        this.#signal?.removeEventListener("abort", abort);
        resolve(value);
      };
      const abort = () => finish(false);
      if (this.#signal?.aborted) return finish(false);
      this.#signal?.addEventListener("abort", abort, { once: true });
      this.#wake = () => finish(true);
      if (this.#gone.size > 0) finish(true);
    });
  }

  /** Stops every watch. */
  stop(): void {
    for (const stop of this.#stops.values()) stop();
    this.#stops.clear();
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
