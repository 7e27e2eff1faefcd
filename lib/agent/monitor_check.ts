/**
 * The monitor's verdict on one host (pure): from the host's `/hosts/<id>` node, the cluster
 * version and the agent's status record, a Nagios-style state (0 OK, 1 WARNING, 2 CRITICAL)
 * and one line of text. In order:
 * 1. no host node: the agent is not running (CRITICAL);
 * 2. cluster version None: ALL STOP (WARNING);
 * 3. no readable status file (CRITICAL);
 * 4. status `error …` (CRITICAL);
 * 5. status `done`: its version must be the cluster's (unless the cluster is paused, `False`)
 *    and the host node's (CRITICAL otherwise);
 * 6. anything else is work in progress: older than `warn` seconds is a WARNING, older than
 *    `error` seconds CRITICAL.
 *
 * @module
 */
import type { Properties, Value } from "../tree/model.ts";
import { type StatusRecord, statusVersion } from "./status_file.ts";

/** Nagios state OK. */
export const OK = 0;
/** Nagios state WARNING. */
export const WARNING = 1;
/** Nagios state CRITICAL. */
export const CRITICAL = 2;

/** What the monitor looks at. */
export interface MonitorInput {
  /** The host id. */
  hostId: string;
  /** The host's `/hosts/<id>` properties, or null without the node. */
  hostNode: Properties | null;
  /** The cluster version (null for None; undefined when `/hosts` does not exist). */
  clusterVersion: Value | undefined;
  /** The status record, or why it could not be read. */
  status: StatusRecord | { error: string };
  /** Now, in seconds since the epoch. */
  now: number;
  /** Age (seconds) of an unfinished status that is a warning. */
  warn: number;
  /** Age (seconds) of an unfinished status that is critical. */
  error: number;
}

/** The verdict. */
export interface MonitorVerdict {
  /** 0 OK, 1 WARNING, 2 CRITICAL. */
  code: 0 | 1 | 2;
  /** One line of text. */
  text: string;
  /** The status record's age in seconds, when there is one. */
  age?: number;
}

/** Judges one host. */
export function checkHost(input: MonitorInput): MonitorVerdict {
  const { hostNode, clusterVersion, status } = input;
  if (hostNode === null) {
    return { code: CRITICAL, text: `Host ${input.hostId} not registered (is its agent running?)` };
  }
  if (clusterVersion === null) return { code: WARNING, text: "Cluster version is None" };
  if ("error" in status) return { code: CRITICAL, text: status.error };
  const age = Math.max(0, Math.floor(input.now - status.time));
  const { version } = status;
  const verdict = (code: 0 | 1 | 2, text: string): MonitorVerdict => ({ code, text, age });
  if (status.status === "error" || status.status.startsWith("error ")) {
    const reason = status.status.slice("error".length).trim();
    return verdict(CRITICAL, `Error deploying ${version}${reason ? `: ${reason}` : ""}`);
  }
  if (status.status === "done") {
    if (clusterVersion !== undefined && clusterVersion !== false) {
      const cluster = statusVersion(clusterVersion);
      if (cluster !== version) {
        return verdict(CRITICAL, `Version mismatch (status: ${version}, cluster: ${cluster})`);
      }
    }
    if (!("version" in hostNode)) return verdict(CRITICAL, "No version information for host");
    const registered = statusVersion(hostNode.version);
    if (registered !== version) {
      return verdict(CRITICAL, `Version mismatch (status: ${version}, host node: ${registered})`);
    }
    return verdict(OK, `done, version ${version}`);
  }
  const tooLong = (limit: number) =>
    `Too long deploying ${version} (${status.status}) ${age} > ${limit}`;
  if (age > input.error) return verdict(CRITICAL, tooLong(input.error));
  if (age > input.warn) return verdict(WARNING, tooLong(input.warn));
  return verdict(OK, status.status);
}

/** The Nagios plugin line: `DEPLOY <STATE>: <text> | age=<n>s;<warn>;<error>`. */
export function formatVerdict(verdict: MonitorVerdict, warn: number, error: number): string {
  const state = ["OK", "WARNING", "CRITICAL"][verdict.code];
  const perf = verdict.age === undefined ? "" : ` | age=${verdict.age}s;${warn};${error};0`;
  return `DEPLOY ${state}: ${verdict.text}${perf}`;
}
