/**
 * Connecting the agent daemon to its store: an agent is a daemon, so a store that cannot be
 * reached yet (ZooKeeper starting, an overloaded host) is tried again with a growing delay
 * (1 s, doubled up to 30 s, with jitter) instead of ending the process. Each failure is logged at
 * most once a minute (the first at once), with the number of attempts since the last line.
 * Only connection failures are retried: a bad address or a missing permission fails at once.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { Store } from "../store/types.ts";
import { isStoreError } from "../store/types.ts";

/** How to connect. */
export interface ConnectRetryOptions {
  /** Opens the store once (throws {@linkcode StoreError} `CONNECTION` when unreachable). */
  open: () => Promise<Store>;
  /** What is being connected to, for the log. */
  what: string;
  /** Where failures are logged. */
  logger: Logger;
  /** Stops trying (the agent was asked to stop); the call then rejects with the reason. */
  signal?: AbortSignal;
  /** First delay, in ms (default 1 000). */
  firstDelayMs?: number;
  /** Largest delay, in ms (default 30 000). */
  maxDelayMs?: number;
  /** Shortest time between two log lines, in ms (default 60 000). */
  logEveryMs?: number;
}

/** Opens the store, retrying connection failures as described in the module doc. */
export async function connectWithRetry(o: ConnectRetryOptions): Promise<Store> {
  const first = o.firstDelayMs ?? 1_000;
  const max = o.maxDelayMs ?? 30_000;
  const every = o.logEveryMs ?? 60_000;
  let delay = first;
  let lastLog = -Infinity;
  let unlogged = 0;
  for (;;) {
    o.signal?.throwIfAborted();
    try {
      const store = await o.open();
      if (o.signal?.aborted) {
        await store.close(); // stopped during this attempt
        o.signal.throwIfAborted();
      }
      return store;
    } catch (error) {
      if (o.signal?.aborted) throw o.signal.reason;
      if (!(isStoreError(error, "CONNECTION"))) throw error;
      unlogged++;
      if (Date.now() - lastLog >= every) {
        const attempts = unlogged === 1 ? "" : ` (${unlogged} attempts since the last report)`;
        o.logger.warning(
          `Cannot connect to ${o.what}: ${error.message}${attempts}; still trying`,
        );
        lastLog = Date.now();
        unlogged = 0;
      }
    }
    await sleep(delay * (0.75 + Math.random() / 2), o.signal);
    delay = Math.min(max, delay * 2);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener("abort", abort);
      resolve();
    }
    function abort() {
      clearTimeout(timer);
      reject(signal!.reason);
    }
    signal?.addEventListener("abort", abort, { once: true });
  });
}
