/**
 * A mutex any store can hold, built from the contract's primitives: the holder owns the
 * ephemeral node `<path>/lock`; others watch it and try again when it goes. The node `<path>`
 * itself stays (persistent), as the lock directories of ZooKeeper recipes do. A holder that dies
 * (its session or process ends) frees the mutex.
 *
 * @module
 */
import { StoreError } from "./types.ts";
import type { Lock, Store } from "./types.ts";

/** Options for {@linkcode acquireMutex}. */
export interface MutexOptions {
  /** Data stored in the lock node, to tell who holds it (e.g. the host id). */
  owner?: string;
  /** Called once when the mutex is busy and the caller starts waiting, with the holder's data. */
  onWait?: (holder: string) => void;
}

/** Takes the mutex at `path`, waiting as long as another holder has it. */
export async function acquireMutex(
  store: Store,
  path: string,
  options: MutexOptions = {},
): Promise<Lock> {
  const node = `${path}/lock`;
  if (await store.get(path) === null) {
    await store.create(path, "", { parents: true }).catch((error) => {
      if (!(error instanceof StoreError && error.code === "NODE_EXISTS")) throw error;
    });
  }
  let told = false;
  for (;;) {
    try {
      await store.create(node, options.owner ?? "", { ephemeral: true });
      return {
        release: () =>
          store.delete(node).catch((error) => {
            if (!(error instanceof StoreError && error.code === "NO_NODE")) throw error;
          }),
      };
    } catch (error) {
      if (!(error instanceof StoreError && error.code === "NODE_EXISTS")) throw error;
    }
    await new Promise<void>((resolve) => {
      let freed = false;
      const stop = store.watch(node, (current) => {
        if (freed) return;
        if (current === null) {
          freed = true;
          queueMicrotask(() => stop()); // the first call may come before `stop` is assigned
          resolve();
        } else if (!told) {
          told = true;
          options.onWait?.(current.data);
        }
      });
    });
  }
}
