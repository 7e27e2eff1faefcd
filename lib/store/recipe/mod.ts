/**
 * Recipes on the {@linkcode Store} contract, as kazoo keeps them in its `recipe/` package: each
 * takes a store and never imports a client, so it works on ZooKeeper and on the embedded store
 * alike, in the node layout kazoo and Curator use so that their clients interoperate.
 *
 * - {@linkcode acquireRecipeLock}: kazoo's/Curator's lock (`<uuid>__lock__<seq>` children);
 * - {@linkcode acquirePersistentLock}: a lock whose requests outlive the session (role locks);
 * - the keyed index: a map of keys to chunked values, replaced atomically (the deployment index);
 * - {@linkcode acquireSemaphore}: kazoo's `Semaphore` (leases under the pool, `max_leases` its data);
 * - {@linkcode untilGone}: waiting for a node to go.
 *
 * @module
 */
export * from "./lock.ts";
export * from "./persistent_lock.ts";
export * from "./keyed_index.ts";
export * from "./until_gone.ts";
export * from "./semaphore.ts";
