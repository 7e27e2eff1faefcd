/**
 * Per-application lock in Consul (a session and a KV acquire), so that two handlers never work
 * on the same application on one node at the same time.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { ConsulApi } from "./consul.ts";

/** The lock key of an application on a node. */
export const lockKey = (node: string, name: string): string => `lock/${node}/${name}`;

/** Options of {@linkcode acquireLocks}. */
export interface LockOptions {
  /** Consul. */
  consul: ConsulApi;
  /** This node. */
  node: string;
  /** Logs waits. */
  logger: Logger;
  /** Who takes the lock, stored as the key's value (event ID, pid). */
  holder: Record<string, unknown>;
  /** How long to wait for a busy lock before giving up, ms (0: refuse at once). */
  waitMs: number;
  /** Polling interval while waiting, ms. */
  pollMs: number;
}

/** Releases what {@linkcode acquireLocks} took. */
export type Release = () => Promise<void>;

const TTL_SECONDS = 60;

/**
 * Takes the locks of `names` (sorted, so two handlers cannot deadlock), waiting up to `waitMs`
 * for each; throws naming the application and its holder when it stays busy.
 */
export async function acquireLocks(names: string[], o: LockOptions): Promise<Release> {
  const session = await o.consul.createSession(
    `clusterdeploy handler on ${o.node}`,
    `${TTL_SECONDS}s`,
  );
  const renew = setInterval(() => {
    o.consul.renewSession(session).catch((e) => o.logger.warning(`Lock session renewal: ${e}`));
  }, TTL_SECONDS * 1000 / 3);
  const held: string[] = [];
  // Destroying the session (behavior "delete") releases and removes the lock keys it holds;
  // they are released one by one only if that fails.
  const release: Release = async () => {
    clearInterval(renew);
    try {
      await o.consul.destroySession(session);
    } catch (error) {
      o.logger.warning(`Could not destroy the lock session ${session}: ${error}`);
      for (const key of held.reverse()) {
        await o.consul.kvPut(key, "", { release: session }).catch(() => false);
      }
    }
  };
  try {
    for (const name of [...new Set(names)].sort()) {
      const key = lockKey(o.node, name);
      await acquire(key, name, session, o);
      held.push(key);
    }
    return release;
  } catch (error) {
    await release();
    throw error;
  }
}

async function acquire(key: string, name: string, session: string, o: LockOptions) {
  const deadline = Date.now() + o.waitMs;
  const value = JSON.stringify(o.holder);
  let logged = false;
  while (true) {
    if (await o.consul.kvPut(key, value, { acquire: session })) return;
    const holder = (await o.consul.kvGet(key))?.value || "unknown holder";
    if (Date.now() >= deadline) {
      throw new Error(
        `application ${name} is locked on ${o.node} by another handler (${holder}); ` +
          `gave up after ${Math.round(o.waitMs / 1000)} s (lock key ${key})`,
      );
    }
    if (!logged) {
      o.logger.info(`Waiting for the lock of ${name} on ${o.node}, held by ${holder}`);
      logged = true;
    }
    await new Promise((resolve) => setTimeout(resolve, o.pollMs));
  }
}
