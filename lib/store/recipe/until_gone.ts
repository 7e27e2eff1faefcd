/**
 * Waiting for a node to go, as lock recipes wait for the request or contender ahead of theirs:
 * a data-only watch of the node, stopped once it is gone or the wait is aborted.
 *
 * @module
 */
import type { Store } from "../types.ts";

/**
 * Resolves to true when the node at `path` does not exist (at once if it does not now), or to
 * false when `signal` aborts first.
 */
export function untilGone(store: Store, path: string, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    let done = false;
    const finish = (value: boolean) => {
      if (done) return;
      done = true;
      signal?.removeEventListener("abort", abort);
      queueMicrotask(() => stop()); // the first call may come before `stop` is assigned
      resolve(value);
    };
    const abort = () => finish(false);
    signal?.addEventListener("abort", abort, { once: true });
    const stop = store.watch(path, (node) => {
      if (node === null) finish(true);
    }, { dataOnly: true });
  });
}
