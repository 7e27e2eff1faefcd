/**
 * The cluster version kept at `/hosts` (property `version`) and how logs show it.
 *
 * @module
 */
import type { Store } from "../store/types.ts";
import { decodeProperties } from "../tree/codec.ts";
import type { Value } from "../tree/model.ts";
import { formatValue } from "../tree/value.ts";
import { HOSTS_PATH } from "./reserved.ts";

/**
 * Shows a version as the seed transcripts do: strings and numbers as they are, `None`, `False`,
 * `True`; `initial` stands for a cluster with no `/hosts` yet (pass `undefined`). A string
 * holding a control character (a newline) prints quoted and escaped, so it never splits a log
 * line.
 */
export function showVersion(version: Value | undefined): string {
  if (version === undefined) return "initial";
  if (version === null) return "None";
  if (version === false) return "False";
  if (version === true) return "True";
  // deno-lint-ignore no-control-regex
  if (typeof version === "string" && /[\x00-\x1f\x7f-\x9f\u2028\u2029]/.test(version)) {
    return formatValue(version);
  }
  if (typeof version === "string" || typeof version === "number") return String(version);
  return JSON.stringify(version);
}

/** Whether two versions are the same (versions are opaque: strings or numbers). */
export function sameVersion(a: Value | undefined, b: Value | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b));
}

/**
 * The cluster version as the store has it now: a fresh, data-only read of `/hosts` (not the list
 * of hosts under it); None when `/hosts` or its `version` is missing.
 */
export async function readClusterVersion(store: Store): Promise<Value> {
  const hosts = await store.get(HOSTS_PATH, { dataOnly: true });
  return hosts === null ? null : decodeProperties(hosts.data).version ?? null;
}
