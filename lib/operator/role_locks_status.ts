/**
 * The role locks for `status`: every `/role-locks/<role>` with its queued requests (the first
 * holds the lock). A request left by a failed host keeps its role blocked until that host
 * deploys successfully, so `status` shows who holds each lock and who waits.
 *
 * @module
 */
import { type LockRequest, readLockRequests } from "../store/recipe/mod.ts";
import type { Store } from "../store/types.ts";
import { ROLE_LOCKS } from "../cluster/mod.ts";

/** One role lock. */
export interface RoleLockStatus {
  /** The role. */
  role: string;
  /** Its requests in queue order: the first holds the lock. */
  requests: LockRequest[];
}

/** Reads every role lock (none without `/role-locks`). */
export async function readRoleLocks(store: Store): Promise<RoleLockStatus[]> {
  const top = await store.get(ROLE_LOCKS);
  if (top === null) return [];
  const locks: RoleLockStatus[] = [];
  for (const role of top.children) {
    const requests = await readLockRequests(store, `${ROLE_LOCKS}/${role}`);
    if (requests !== null) locks.push({ role, requests });
  }
  return locks;
}

/** The role locks as lines (nothing when there are none). */
export function formatRoleLocks(locks: readonly RoleLockStatus[]): string[] {
  if (locks.length === 0) return [];
  const who = (r: LockRequest) => `${r.requestor ?? "?"} (${r.hostname ?? "?"}, ${r.name})`;
  const width = Math.max(...locks.map((l) => l.role.length));
  const lines = ["role locks:"];
  for (const { role, requests } of locks) {
    const [holder, ...waiting] = requests;
    const state = holder === undefined
      ? "free"
      : `held by ${who(holder)}${
        waiting.length ? `; waiting: ${waiting.map(who).join(", ")}` : ""
      }`;
    lines.push(`  ${role.padEnd(width)}  ${state}`);
  }
  return lines;
}
