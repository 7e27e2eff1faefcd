/**
 * The version bump with its rollout record, in one transaction: the version set on `/hosts` as
 * a versioned set (a compare-and-set) and the record created under `/rollouts` (named by the
 * data version `/hosts` gets), so a record exists exactly when a bump happened. A rollback's bump
 * also pins the cluster and records the rollback on the record it leaves, in the same
 * transaction. Then the history is trimmed to the newest `keep` records. Also the pin check
 * sync makes before a resync.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import { isStoreError, type Store, type StoreOp } from "../store/types.ts";
import { decodeProperties, encodeProperties } from "../tree/codec.ts";
import type { Value } from "../tree/model.ts";
import {
  type CommitInfo,
  decodePin,
  decodeRecord,
  encodePin,
  encodeRecord,
  HOSTS_PATH,
  isRecordName,
  type Pin,
  recordName,
  recordPath,
  ROLLOUTS_PATH,
  showVersion,
} from "../cluster/mod.ts";
import { message } from "../error_message.ts";

/** The default number of records sync keeps (`--keep-history`). */
export const DEFAULT_KEEP_HISTORY = 100;

/** What the bump records. */
export interface BumpRecord {
  /** The commit synced. */
  commit: string;
  /** Its subject, author, time. */
  info: CommitInfo;
  /** Who runs the sync. */
  by: string;
  /** How many nodes changed. */
  changes: number;
  /** The changed paths (capped when encoded). */
  paths: string[];
  /** How many hosts are registered. */
  hosts: number;
  /** Set for a rollback: it pins the cluster to `commit`. */
  rollback?: boolean;
  /** How many records to keep. */
  keep: number;
}

/** `/rollouts` as read: the pin, the record names (sorted) and its data version. */
export interface RolloutsNode {
  /** The pin, null when none (or when the data is not a pin: warned). */
  pin: Pin | null;
  /** Record names, oldest first (other children are left alone). */
  records: string[];
  /** The data version of `/rollouts`. */
  stat: number;
}

/** Reads `/rollouts`; null when it does not exist. A damaged pin is logged and ignored. */
export async function readRollouts(store: Store, log?: Logger): Promise<RolloutsNode | null> {
  const node = await store.get(ROLLOUTS_PATH);
  if (node === null) return null;
  const pin = decodePin(node.data);
  if (!pin.ok) log?.warning(`Ignoring the data of ${ROLLOUTS_PATH}: ${pin.problem}`);
  return {
    pin: pin.ok ? pin.value : null,
    records: node.children.filter(isRecordName).sort(),
    stat: node.version,
  };
}

/** The pin warning: sync does not go past a pin. */
export function pinWarning(pin: Pin, head: string): string {
  return `Cluster pinned to ${pin.version} by ${pin.by} at ${pin.at} (rollback from ` +
    `${
      showVersion(pin.from)
    }): not syncing ${head}; run clusterdeploy unpin once the fix is in git`;
}

/** Thrown inside the bump when the cluster was stopped meanwhile. */
class StoppedMeanwhile extends Error {}

/**
 * Sets the cluster version to `bump.commit` with its record, atomically. Refuses (false) when an
 * agent declared ALL STOP meanwhile, unless this is a rollback (a sanctioned way out of a stop).
 * A concurrent change of `/hosts` or `/rollouts` makes it read again and retry.
 */
export async function bumpWithRecord(
  store: Store,
  bump: BumpRecord,
  log: Logger,
): Promise<boolean> {
  for (let attempt = 1;; attempt++) {
    try {
      const ops = await bumpOps(store, bump, log);
      await store.multi(ops);
      break;
    } catch (error) {
      if (error instanceof StoppedMeanwhile) {
        log.critical("ALL STOP, cluster version became None during the sync; version not bumped");
        return false;
      }
      const raced = isStoreError(error, "BAD_VERSION") || isStoreError(error, "NODE_EXISTS") ||
        isStoreError(error, "NO_NODE");
      if (!raced || attempt >= 5) throw error;
    }
  }
  await trimHistory(store, bump.keep, log).catch((error) =>
    log.warning(`Could not trim the rollout history: ${message(error)}`)
  );
  return true;
}

async function bumpOps(store: Store, bump: BumpRecord, log: Logger): Promise<StoreOp[]> {
  const [hosts, rollouts] = await Promise.all([
    store.get(HOSTS_PATH, { dataOnly: true }),
    readRollouts(store, log),
  ]);
  const properties = hosts === null ? {} : decodeProperties(hosts.data);
  const previous: Value = hosts === null ? null : properties.version ?? null;
  if (hosts !== null && previous === null && !bump.rollback) throw new StoppedMeanwhile();
  const name = recordName(hosts === null ? 0 : hosts.version + 1);
  const ops: StoreOp[] = [];
  const data = encodeProperties({ ...properties, version: bump.commit });
  ops.push(
    hosts === null
      ? { op: "create", path: HOSTS_PATH, data }
      : { op: "set", path: HOSTS_PATH, data, version: hosts.version },
  );
  if (rollouts === null) ops.push({ op: "create", path: ROLLOUTS_PATH, data: "" });
  if (rollouts?.records.includes(name)) {
    // Left from before /hosts was made again: its name is this bump's.
    log.warning(`Removing the stale rollout record ${recordPath(name)}`);
    await removeRecord(store, name);
  }
  const now = new Date().toISOString();
  if (bump.rollback) {
    const pin: Pin = { version: bump.commit, by: bump.by, at: now, from: previous };
    const version = rollouts === null ? {} : { version: rollouts.stat };
    ops.push({ op: "set", path: ROLLOUTS_PATH, data: encodePin(pin), ...version });
    const left = rollouts?.records.at(-1);
    if (left !== undefined) ops.push(...await rolledBackOps(store, left, bump, now));
  }
  ops.push({
    op: "create",
    path: recordPath(name),
    data: encodeRecord({
      version: bump.commit,
      ...bump.info,
      previous,
      syncedAt: now,
      by: bump.by,
      changes: bump.changes,
      paths: bump.paths,
      hosts: bump.hosts,
      ...(bump.rollback ? { rollbackFrom: previous } : {}),
      events: [],
    }),
  });
  return ops;
}

/** The rollback recorded on the record it leaves (a damaged record is left as it is). */
async function rolledBackOps(
  store: Store,
  name: string,
  bump: BumpRecord,
  at: string,
): Promise<StoreOp[]> {
  const node = await store.get(recordPath(name), { dataOnly: true });
  if (node === null) return [];
  const record = decodeRecord(node.data);
  if (!record.ok) return [];
  const events = [...record.value.events, {
    what: "rollback" as const,
    by: bump.by,
    at,
    to: bump.commit,
  }];
  return [{
    op: "set",
    path: recordPath(name),
    data: encodeRecord({ ...record.value, events }),
    version: node.version,
  }];
}

/** Deletes a record and its outcomes. */
async function removeRecord(store: Store, name: string): Promise<void> {
  const path = recordPath(name);
  const node = await store.get(path);
  if (node === null) return;
  const ops: StoreOp[] = node.children.map((child) => ({ op: "delete", path: `${path}/${child}` }));
  ops.push({ op: "delete", path });
  try {
    await store.multi(ops);
  } catch (error) {
    if (!isStoreError(error, "NO_NODE") && !isStoreError(error, "NOT_EMPTY")) throw error;
  }
}

/** Deletes the oldest records beyond the newest `keep`. */
async function trimHistory(store: Store, keep: number, log: Logger): Promise<void> {
  const rollouts = await readRollouts(store);
  if (rollouts === null) return;
  const old = rollouts.records.slice(0, Math.max(0, rollouts.records.length - keep));
  for (const name of old) await removeRecord(store, name);
  if (old.length > 0) log.debug(`Removed ${old.length} old rollout records`);
}
