/**
 * Canaries (issue 18): with `canary` = N, the first N hosts to start a version of an app deploy
 * it (and pass its health check) before any other host starts it.
 *
 * The record of one version of the app at `path` is the persistent node
 * `/agent-rollouts/<app,path>/canary-<digest>` (digest: the first 16 hex digits of the SHA-256 of
 * the app's version text), whose data is JSON `{"version": <text>, "canaries": {<host id>:
 * "started" | "healthy"}}`, changed only by versioned writes (compare-and-set), so hosts that
 * race never make more than N canaries. A host that finds itself in the record is a canary again
 * (a restart), one that finds N `healthy` entries goes on (canaries already passed are not
 * repeated); otherwise it joins as a canary while fewer than N have started, or waits for the
 * record to change. The record stays after the rollout (a later restart does not repeat the
 * canaries); the records of other versions of the app are removed when a new one is made.
 *
 * @module
 */
import { isStoreError, type Store } from "../store/types.ts";
import { retrying } from "../store/recipe/mod.ts";
import { rolloutPath } from "./slot.ts";
import type { Deployment } from "./deployments.ts";

/** A canary record's data. */
export interface CanaryRecord {
  /** The app's version text. */
  version: string;
  /** The canary hosts by id and how far they got. */
  canaries: Record<string, "started" | "healthy">;
}

/** The version text of `d`'s app: its version, or the package name that carries it. */
export function appVersion(d: Pick<Deployment, "pkg" | "version">): string {
  return d.version ?? d.pkg;
}

/** The canary record of `d`'s app version. */
export async function canaryPath(d: Pick<Deployment, "path" | "pkg" | "version">) {
  const bytes = new TextEncoder().encode(`${d.pkg}\0${appVersion(d)}`);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const hex = [...digest.slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${rolloutPath(d.path)}/canary-${hex}`;
}

/** Reads a record's data; an unreadable one counts as empty. */
export function parseRecord(data: string, version: string): CanaryRecord {
  try {
    const parsed = JSON.parse(data);
    if (typeof parsed?.canaries === "object" && parsed.canaries !== null) {
      const canaries: CanaryRecord["canaries"] = {};
      for (const [id, state] of Object.entries(parsed.canaries)) {
        if (state === "started" || state === "healthy") canaries[id] = state;
      }
      return { version, canaries };
    }
  } catch { /* an empty record */ }
  return { version, canaries: {} };
}

/** How many of a record's canaries are healthy. */
export function healthyCount(record: CanaryRecord): number {
  return Object.values(record.canaries).filter((s) => s === "healthy").length;
}

/** What {@linkcode canaryGate} needs. */
export interface CanaryOptions {
  /** The cluster store. */
  store: Store;
  /** This host's id. */
  hostId: string;
  /** The app's `canary`. */
  count: number;
  /** Called once when the host has to wait, with the healthy count. */
  onWait?: (healthy: number) => void;
  /** Checked while waiting: true stops the wait (the caller abandons). */
  shouldStop: () => boolean;
}

/**
 * Decides whether this host is one of `d`'s canaries (`"canary"`), may go on (`"passed"`), or
 * must stop waiting (`"stopped"`, when `shouldStop` said so).
 */
export async function canaryGate(
  o: CanaryOptions,
  d: Deployment,
): Promise<"canary" | "passed" | "stopped"> {
  if (o.count <= 0) return "passed";
  const path = await canaryPath(d);
  const version = appVersion(d);
  let told = false;
  for (;;) {
    const node = await retrying(() => o.store.get(path, { dataOnly: true }));
    if (node === null) {
      const created = await retrying(() =>
        o.store.create(path, JSON.stringify({ version, canaries: { [o.hostId]: "started" } }), {
          parents: true,
        }).then(() => true, (error) => {
          if (isStoreError(error, "NODE_EXISTS")) return false;
          throw error;
        })
      );
      if (created) {
        await removeOtherRecords(o.store, path);
        return "canary";
      }
      continue;
    }
    const record = parseRecord(node.data, version);
    const mine = record.canaries[o.hostId];
    if (mine === "started") return "canary";
    const healthy = healthyCount(record);
    if (mine === "healthy" || healthy >= o.count) return "passed";
    if (Object.keys(record.canaries).length < o.count) {
      record.canaries[o.hostId] = "started";
      const joined = await retrying(() =>
        o.store.set(path, JSON.stringify(record), node.version).then(() => true, (error) => {
          if (isStoreError(error, "BAD_VERSION") || isStoreError(error, "NO_NODE")) return false;
          throw error;
        })
      );
      if (joined) return "canary";
      continue;
    }
    if (!told) {
      told = true;
      o.onWait?.(healthy);
    }
    if (!await untilChanged(o.store, path, node.version, o.shouldStop)) return "stopped";
  }
}

/** Records this host's canary of `d` as healthy (a versioned write, retried on a race). */
export async function canaryHealthy(store: Store, hostId: string, d: Deployment): Promise<void> {
  const path = await canaryPath(d);
  for (;;) {
    const node = await retrying(() => store.get(path, { dataOnly: true }));
    if (node === null) return;
    const record = parseRecord(node.data, appVersion(d));
    record.canaries[hostId] = "healthy";
    const done = await retrying(() =>
      store.set(path, JSON.stringify(record), node.version).then(() => true, (error) => {
        if (isStoreError(error, "BAD_VERSION")) return false;
        throw error;
      })
    );
    if (done) return;
  }
}

/** Removes the canary records of other versions beside `path` (best effort). */
async function removeOtherRecords(store: Store, path: string): Promise<void> {
  const dir = path.slice(0, path.lastIndexOf("/"));
  const mine = path.slice(dir.length + 1);
  const children = (await store.get(dir).catch(() => null))?.children ?? [];
  for (const child of children) {
    if (child === mine || !/^canary-[0-9a-f]{16}$/.test(child)) continue;
    await store.delete(`${dir}/${child}`).catch(() => {});
  }
}

/**
 * Resolves true when the record at `path` is no longer at data version `version` (or is gone),
 * false when `shouldStop` says so (checked every 250 ms).
 */
function untilChanged(
  store: Store,
  path: string,
  version: number,
  shouldStop: () => boolean,
): Promise<boolean> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (value: boolean) => {
      if (done) return;
      done = true;
      clearInterval(timer);
      queueMicrotask(() => stop());
      resolve(value);
    };
    const timer = setInterval(() => {
      if (shouldStop()) finish(false);
    }, 250);
    const stop = store.watch(path, (node) => {
      if (node === null || node.version !== version) finish(true);
    }, { dataOnly: true });
  });
}
