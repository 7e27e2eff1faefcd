/**
 * The zktools-style lock recipe on ZooKeeper: an ephemeral sequential child under
 * `/ZktoolsLocks/<name>`; the lowest sequence holds the lock. Locks do not survive an expiry.
 *
 * @module
 */
import type { Lock } from "../types.ts";
import {
  baseName,
  LOCK_CHILD_PREFIX,
  LOCK_NODE_DATA,
  LOCKS_ROOT,
  LOCKS_ROOT_DATA,
  sequenceOf,
  validateLockName,
} from "../path.ts";
import { zk } from "./client.ts";
import { type ZkConnection } from "./connection.ts";
import type { ZkWrites } from "./writes.ts";
import { isStoreError } from "../types.ts";

/** Tries the zktools-style lock `/ZktoolsLocks/<name>`; null when someone else holds it. */
export async function tryZkLock(
  conn: ZkConnection,
  writes: ZkWrites,
  name: string,
): Promise<Lock | null> {
  validateLockName(name);
  const dir = `${LOCKS_ROOT}/${name}`;
  const ensure = (path: string, data: string) =>
    writes.createRaw(path, data, zk.CreateMode.PERSISTENT).catch((error) => {
      if (!isStoreError(error, "NODE_EXISTS")) throw error;
    });
  const enter = () =>
    writes.createRaw(`${dir}/${LOCK_CHILD_PREFIX}`, "", zk.CreateMode.EPHEMERAL_SEQUENTIAL);
  // The lock's parents exist but for a first use: they are created only then (two requests
  // fewer for every lock taken after the first).
  const mine = await enter().catch(async (error) => {
    if (!isStoreError(error, "NO_NODE")) throw error;
    await ensure(LOCKS_ROOT, LOCKS_ROOT_DATA);
    await ensure(dir, LOCK_NODE_DATA);
    return await enter();
  });
  let children: string[];
  try {
    // Children only: the lock node's own data is not needed (one request, not two).
    children = await conn.request<string[]>(
      "getChildren",
      dir,
      (c, done) => c.getChildren(conn.abs(dir), undefined, (e, names) => done(e, names)),
    );
  } catch (error) {
    await writes.delete(mine).catch(() => {});
    throw error;
  }
  const mySeq = sequenceOf(baseName(mine));
  const lowest = children.every((child) => child === baseName(mine) || sequenceOf(child) > mySeq);
  if (!lowest) {
    await writes.delete(mine).catch((error) => {
      if (!isStoreError(error, "NO_NODE")) throw error;
    });
    return null;
  }
  let released = false;
  return {
    release: async () => {
      if (released || conn.closed) return;
      released = true;
      await writes.delete(mine).catch((error) => {
        if (!isStoreError(error, "NO_NODE")) throw error;
      });
    },
  };
}
