/**
 * `resume VERSION`: the operator's way out of ALL STOP once the problem is fixed.
 *
 * @module
 */
import type { Store } from "../store/types.ts";
import { decodeProperties, encodeProperties } from "../tree/codec.ts";
import type { Value } from "../tree/model.ts";
import { parseValue } from "../tree/value.ts";
import { showVersion } from "../cluster/mod.ts";
import { CliError } from "../cli/run.ts";
import { isStoreError } from "../store/types.ts";
import {
  decodeRecord,
  encodeRecord,
  HOSTS_PATH,
  isRecordName,
  recordPath,
  ROLLOUTS_PATH,
  whoAmI,
} from "../cluster/mod.ts";
import type { StoreOp } from "../store/types.ts";

/**
 * The resume recorded on the newest rollout record (the one it concerns), as an op to apply
 * with the version's set; none when there is no record, or it is damaged (left as it is).
 */
async function resumeEventOps(store: Store, version: Value, by: string): Promise<StoreOp[]> {
  const root = await store.get(ROLLOUTS_PATH);
  const newest = root?.children.filter(isRecordName).sort().at(-1);
  if (newest === undefined) return [];
  const node = await store.get(recordPath(newest), { dataOnly: true });
  const record = node === null ? undefined : decodeRecord(node.data);
  if (node === null || !record?.ok) return [];
  const event = { what: "resume" as const, by, at: new Date().toISOString(), to: version };
  const events = [...record.value.events, event];
  return [{
    op: "set",
    path: recordPath(newest),
    data: encodeRecord({ ...record.value, events }),
    version: node.version,
  }];
}

/**
 * Reads a version as the operator typed it: a literal (`21`, `False`, `'abc'`) when it is one,
 * otherwise the text itself (`3f2a9c1`).
 */
export function versionArgument(text: string): Value {
  try {
    const value = parseValue(text);
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      return value;
    }
  } catch {
    // not a literal: the text is the version
  }
  return text;
}

/**
 * Sets the cluster version to `version`, refusing unless it is now None or False (or `force`).
 * Compare-and-set on `/hosts`, so a concurrent change is never overwritten silently; the resume
 * is recorded (who, when, to what) on the newest rollout record in the same transaction.
 * Returns the version it replaced.
 */
export async function resumeCluster(
  store: Store,
  version: Value,
  force = false,
  by: string = whoAmI(),
): Promise<Value | undefined> {
  if (version === null) {
    throw new CliError("resume to None would stop the cluster: nothing to resume", 2);
  }
  const hosts = await store.get(HOSTS_PATH);
  if (hosts === null) {
    throw new CliError(`no ${HOSTS_PATH} node: nothing to resume (run sync first)`);
  }
  const properties = decodeProperties(hosts.data);
  const current = properties.version;
  if (!force && current !== null && current !== false) {
    throw new CliError(
      `the cluster is not stopped (version ${showVersion(current)}); use --force to set it anyway`,
    );
  }
  try {
    // The version and the resume on the record it concerns, together.
    await store.multi([
      {
        op: "set",
        path: HOSTS_PATH,
        data: encodeProperties({ ...properties, version }),
        version: hosts.version,
      },
      ...await resumeEventOps(store, version, by),
    ]);
  } catch (error) {
    if (isStoreError(error, "BAD_VERSION")) {
      throw new CliError(`${HOSTS_PATH} changed while resuming; look again and retry`);
    }
    throw error;
  }
  return current;
}
