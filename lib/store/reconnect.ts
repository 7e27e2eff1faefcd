/**
 * Riding out a lost connection: run a step again once the store is reachable again, instead of
 * failing at the first `CONNECTION` error. The step must be idempotent — it re-reads what it
 * needs, since a write cut off by the loss may or may not have been applied.
 *
 * A run gives up, with a {@linkcode ConnectionGivenUp} saying which, when the store stays
 * unreachable for longer than the timeout or — for work that holds a lock or other ephemeral
 * state — when the session expired (its ephemeral nodes, and locks, are gone).
 *
 * @module
 */
import { DelegatingStore } from "./delegating.ts";
import type { ReadOptions, SessionState, Store, StoredNode } from "./types.ts";
import { StoreError } from "./types.ts";
import { isStoreError } from "./types.ts";

/** How long a command waits for a lost store to come back, by default (`--timeout`). */
export const DEFAULT_TIMEOUT_MS = 60_000;

/** Why a run gave up. */
export type GiveUpReason = "expired" | "unreachable";

/** A run given up after a lost connection; `code` is `CONNECTION`. */
export class ConnectionGivenUp extends StoreError {
  /** Whether the session expired or the store stayed unreachable. */
  readonly reason: GiveUpReason;
  /** Makes the error. */
  constructor(reason: GiveUpReason, message: string) {
    super("CONNECTION", message);
    this.name = "ConnectionGivenUp";
    this.reason = reason;
  }
}

/** Options of {@linkcode ConnectionWatch.run}. */
export interface RunOptions {
  /**
   * The work relies on the session (it holds a lock): give up as soon as the session expired,
   * even between steps, since the watch was made.
   */
  keepSession?: boolean;
  /**
   * Errors other than `CONNECTION` that mean "run the step again" once a connection was lost
   * (a write cut off by the loss may have been applied after all). Tried at most 5 times.
   */
  retryAfterLoss?: (error: unknown) => boolean;
  /** Told before each new attempt, with the error that ended the previous one. */
  onRetry?: (error: unknown, attempt: number) => void;
}

/** One attempt of a step; `signal` aborts when the run gives up (stop writing then). */
export type Step<T> = (attempt: number, signal: AbortSignal) => Promise<T>;

/** A step being run: told when its run must give up. */
interface Running {
  readonly keepSession: boolean;
  giveUp(error: ConnectionGivenUp): void;
}

function isConnectionLoss(error: unknown): boolean {
  return isStoreError(error, "CONNECTION") &&
    !(error instanceof ConnectionGivenUp);
}

/**
 * Whether a store says it is disconnected now: stores that can lose a connection have a
 * `connected` getter beside the {@linkcode Store} contract (the ZooKeeper store does).
 */
function knownDisconnected(store: Store): boolean {
  return (store as { readonly connected?: unknown }).connected === false;
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/**
 * Follows a store's connection state from its making on, and runs steps across reconnections.
 * Call `stop` when done.
 */
export class ConnectionWatch {
  readonly #store: Store;
  readonly #timeoutMs: number;
  readonly #unsubscribe: () => void;
  #expired = false;
  /** When the store reported itself disconnected (until it reports `connected`). */
  #downSince: number | undefined;
  /**
   * When requests began to fail with `CONNECTION` while the store did not report a disconnection
   * (no answer in time: a hung server); until it answers again.
   */
  #failingSince: number | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #running = new Set<Running>();

  /** Watches `store`; runs give up after `timeoutMs` unreachable. */
  constructor(store: Store, timeoutMs: number = DEFAULT_TIMEOUT_MS) {
    this.#store = store;
    this.#timeoutMs = timeoutMs;
    this.#unsubscribe = store.onState((state) => this.#onState(state));
    if (knownDisconnected(store)) this.#down();
  }

  /** Whether the session expired since the watch was made. */
  get expired(): boolean {
    return this.#expired;
  }

  #onState(state: SessionState): void {
    if (state === "disconnected") this.#down();
    else if (state === "connected") this.#up();
    else if (state === "expired") {
      this.#expired = true;
      this.#fail(this.#expiredError(), true);
    }
  }

  #down(): void {
    if (this.#downSince !== undefined) return;
    this.#downSince = Date.now();
    this.#timer = setTimeout(() => this.#fail(this.#unreachableError(), false), this.#timeoutMs);
    Deno.unrefTimer(this.#timer as unknown as number);
  }

  #up(): void {
    this.#downSince = undefined;
    this.#failingSince = undefined;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #fail(error: ConnectionGivenUp, expiry: boolean): void {
    for (const running of [...this.#running]) {
      if (!expiry || running.keepSession) running.giveUp(error);
    }
  }

  #expiredError(): ConnectionGivenUp {
    return new ConnectionGivenUp(
      "expired",
      `the ZooKeeper session expired (${this.#store.description} was unreachable for longer ` +
        `than the session timeout): its locks and ephemeral nodes are gone`,
    );
  }

  #unreachableError(): ConnectionGivenUp {
    return new ConnectionGivenUp(
      "unreachable",
      `ZooKeeper unreachable for more than ${seconds(this.#timeoutMs)} (--timeout): ` +
        `${this.#store.description}`,
    );
  }

  /**
   * Throws when the run must give up now. Requests that failed before this run began do not
   * stop its first attempt (the store may answer again).
   */
  #check(keepSession: boolean, firstAttempt: boolean): void {
    if (keepSession && this.#expired) throw this.#expiredError();
    const since = this.#downSince ?? (firstAttempt ? undefined : this.#failingSince);
    if (since !== undefined && Date.now() - since >= this.#timeoutMs) {
      throw this.#unreachableError();
    }
  }

  /**
   * Runs `step` until it succeeds: after a `CONNECTION` error (or, once a connection was lost,
   * an error `retryAfterLoss` accepts) it runs again — its requests wait for the reconnection.
   * Gives up with {@linkcode ConnectionGivenUp} (the step's signal aborted) when the store stays
   * unreachable past the timeout, or with `keepSession` when the session expired. Other errors
   * are thrown as they are.
   */
  async run<T>(step: Step<T>, options: RunOptions = {}): Promise<T> {
    const keepSession = options.keepSession ?? false;
    let lost = false;
    let conflicts = 0;
    for (let attempt = 1;; attempt++) {
      this.#check(keepSession, attempt === 1);
      const controller = new AbortController();
      let running!: Running;
      const givenUp = new Promise<never>((_, reject) => {
        running = {
          keepSession,
          giveUp(error) {
            controller.abort(error);
            reject(error);
          },
        };
      });
      givenUp.catch(() => {}); // only raced
      this.#running.add(running);
      try {
        const result = await Promise.race([step(attempt, controller.signal), givenUp]);
        this.answered();
        return result;
      } catch (error) {
        if (controller.signal.aborted) throw controller.signal.reason;
        if (isConnectionLoss(error)) {
          lost = true;
          // No answer while the store looked connected: failing since now (no timer: the
          // requests of the next attempt end with an answer or their own timeout).
          if (this.#downSince === undefined) this.#failingSince ??= Date.now();
        } else if (!(lost && options.retryAfterLoss?.(error) && ++conflicts <= 5)) {
          throw error;
        }
        this.#check(keepSession, false);
        options.onRetry?.(error, attempt);
        await Promise.race([delay(Math.min(500, 25 * 2 ** attempt)), givenUp]);
      } finally {
        this.#running.delete(running);
      }
    }
  }

  /** Tells the watch the store answered (work went on): it is not failing any more. */
  answered(): void {
    this.#failingSince = undefined;
  }

  /** Stops following the store. */
  stop(): void {
    this.#unsubscribe();
    clearTimeout(this.#timer);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A store whose reads (`get`, `getMany`) are retried across a lost connection, for at most the
 * timeout unreachable (see {@linkcode ConnectionWatch}); everything else goes to the store as it
 * is. Reads are idempotent, so a new session after an expiry serves them as well. It follows
 * the store's state until closed (a listener, no timer keeps the process alive).
 */
export class RetryingReads extends DelegatingStore {
  readonly #watch: ConnectionWatch;

  /** Whether the store is connected now, when it says (see {@linkcode ConnectionWatch}). */
  get connected(): boolean | undefined {
    return (this.inner as { readonly connected?: boolean }).connected;
  }

  /** Wraps `store`; `close` closes it. */
  constructor(store: Store, timeoutMs: number = DEFAULT_TIMEOUT_MS) {
    super(store);
    this.#watch = new ConnectionWatch(store, timeoutMs);
  }

  /** Reads one node (retried). */
  override get(path: string, options?: ReadOptions): Promise<StoredNode | null> {
    return this.#watch.run(() => this.inner.get(path, options));
  }

  /** Reads many nodes (retried). */
  override getMany(
    paths: readonly string[],
    options?: ReadOptions,
  ): Promise<(StoredNode | null)[]> {
    return this.#watch.run(() => this.inner.getMany(paths, options));
  }

  /** Stops following the store's state, leaving it open (for a store the caller closes). */
  stop(): void {
    this.#watch.stop();
  }

  /** Stops following the store's state and closes it. */
  override async close(): Promise<void> {
    this.stop();
    await this.inner.close();
  }
}
