/**
 * An app's deploy slot on this host (issue 18): with `max_parallel` 1 the app lock
 * `/agent-locks/<path without the leading />, each / written ,>` (the kazoo/Curator lock recipe,
 * unchanged: older agents and operators' lock clients interoperate); with `max_parallel` N > 1 a
 * lease of the kazoo-format semaphore `/agent-rollouts/<app,path>/leases` (N as its data, its
 * lock at `leases-__lock__`; an operator pauses the app by holding its leases or that lock).
 *
 * @module
 */
import { acquireRecipeLock, acquireSemaphore } from "../store/recipe/mod.ts";
import type { Lock, Store } from "../store/types.ts";
import { AGENT_LOCKS, AGENT_ROLLOUTS } from "../cluster/mod.ts";

/** An app path as one node name: without the leading `/`, each `/` written `,`. */
export function appNodeName(path: string): string {
  return path.replace(/^\//, "").replaceAll("/", ",");
}

/** The lock of the app at `path` (`max_parallel` 1). */
export function appLockPath(path: string): string {
  return `${AGENT_LOCKS}/${appNodeName(path)}`;
}

/** Where the app at `path` keeps its rollout: its semaphore and canary records. */
export function rolloutPath(path: string): string {
  return `${AGENT_ROLLOUTS}/${appNodeName(path)}`;
}

/** The semaphore of the app at `path` (`max_parallel` > 1). */
export function semaphorePath(path: string): string {
  return `${rolloutPath(path)}/leases`;
}

/** What {@linkcode acquireSlot} needs besides the store. */
export interface SlotOptions {
  /** Who holds the slot (`<name> (<id>)`). */
  identifier: string;
  /** The app's `max_parallel`. */
  maxParallel: number;
  /** Aborted when the agent stops: waiting ends (`StoreError` `CLOSED`). */
  signal?: AbortSignal;
  /** Called once when the caller has to wait, with the line to log. */
  onWait?: (line: string) => void;
}

/** Takes a slot of the app at `path`, waiting while none is free. */
export function acquireSlot(store: Store, path: string, o: SlotOptions): Promise<Lock> {
  if (o.maxParallel <= 1) {
    return acquireRecipeLock(store, appLockPath(path), {
      identifier: o.identifier,
      signal: o.signal,
      onWait: (holder, node) =>
        o.onWait?.(
          `Waiting for ${path}: locked by ${holder === "" ? `another client (${node})` : holder}`,
        ),
    });
  }
  return acquireSemaphore(store, semaphorePath(path), o.maxParallel, {
    identifier: o.identifier,
    signal: o.signal,
    onWait: (holders) =>
      o.onWait?.(
        `Waiting for ${path}: all ${o.maxParallel} slots held (${
          holders.map((h) => h === "" ? "another client" : h).join(", ")
        })`,
      ),
  });
}
