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
import { HOSTS_PATH } from "../cluster/mod.ts";

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
 * Compare-and-set on `/hosts`, so a concurrent change is never overwritten silently.
 * Returns the version it replaced.
 */
export async function resumeCluster(
  store: Store,
  version: Value,
  force = false,
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
    await store.set(HOSTS_PATH, encodeProperties({ ...properties, version }), hosts.version);
  } catch (error) {
    if (isStoreError(error, "BAD_VERSION")) {
      throw new CliError(`${HOSTS_PATH} changed while resuming; look again and retry`);
    }
    throw error;
  }
  return current;
}
