/**
 * The cluster-wide convergence check's verdict (pure; the reference's companion
 * zkdeploymentclustermonitor, stateless): from `/hosts` and its children, read from the store
 * only, a Nagios state and one line.
 *
 * - Hosts that count: children of `/hosts` with a `version` property; each is named by its
 *   `name` property, else its id. A host is converged when its version is the cluster's.
 * - No `/hosts` node: CRITICAL `No node: /hosts`; `/hosts` without a `version`: CRITICAL
 *   `No version: /hosts`.
 * - Cluster version None (ALL STOP: a deployment failed somewhere): CRITICAL at once,
 *   `ALL STOP (cluster version None)`, naming the hosts that report an `error` (the reference
 *   treated None as any version, so a stopped cluster showed as unconverged hosts and turned
 *   critical only after 30 minutes; an operator wants to know now).
 * - All converged: OK `Converged (<version> since <time>)`, `<time>` being the latest change of
 *   `/hosts` or of a counted host node (when the last host reported the version), as `ctime(3)`
 *   writes it in local time (`Thu Oct  4 19:14:11 2012`).
 * - Otherwise the longest-lagging host (ties: the greatest name, as the reference sorts):
 *   `Unconverged (<name> after <N> minutes)`, a host being behind since the later of the last
 *   change of `/hosts` (the version bump) and its node's creation (a host that registered later).
 *   `N` is in whole minutes and, as in the reference, the state is WARNING when `N` minutes are
 *   more than `warn` seconds, CRITICAL when more than `error` seconds, else OK.
 *
 * The perfdata: `hosts=<counted> unconverged=<n> lag=<seconds>s;<warn>;<error>;0`.
 *
 * @module
 */
import { sameVersion, showVersion } from "../cluster/mod.ts";
import type { Properties } from "../tree/model.ts";

/** `/hosts` as read: its properties and when its data last changed (ms since the epoch). */
export interface HostsNode {
  /** The properties of `/hosts`. */
  properties: Properties;
  /** Its last modification, ms since the epoch (0: unknown). */
  mtime: number;
}

/** One child of `/hosts`. */
export interface ClusterMember {
  /** The child's name (the host id). */
  id: string;
  /** Its properties. */
  properties: Properties;
  /** Its creation, ms since the epoch (0: unknown). */
  ctime: number;
  /** Its last modification, ms since the epoch (0: unknown). */
  mtime: number;
}

/** What the cluster check looks at. */
export interface ClusterInput {
  /** `/hosts`, or null when it does not exist. */
  hosts: HostsNode | null;
  /** Its children. */
  members: readonly ClusterMember[];
  /** Now, ms since the epoch. */
  now: number;
  /** Warning lag, seconds. */
  warn: number;
  /** Critical lag, seconds. */
  error: number;
}

/** The verdict. */
export interface ClusterVerdict {
  /** 0 OK, 1 WARNING, 2 CRITICAL. */
  code: 0 | 1 | 2;
  /** One line of text. */
  text: string;
  /** Perfdata, when there is some. */
  perf?: { hosts: number; unconverged: number; lag: number };
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** A time as `ctime(3)` writes it, in local time: `Thu Oct  4 19:14:11 2012`. */
export function ctime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, " ")} ` +
    `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${d.getFullYear()}`;
}

/** Judges the cluster. */
export function checkCluster(input: ClusterInput): ClusterVerdict {
  const { hosts } = input;
  if (hosts === null) return { code: 2, text: "No node: /hosts" };
  if (!("version" in hosts.properties)) return { code: 2, text: "No version: /hosts" };
  const version = hosts.properties.version;
  const counted = input.members.filter((m) => "version" in m.properties);
  const name = (m: ClusterMember) => {
    const n = m.properties.name;
    return typeof n === "string" && n !== "" ? n : m.id;
  };
  if (version === null) {
    const failed = counted.filter((m) => m.properties.error !== undefined).map(name).sort();
    const which = failed.length === 0 ? "" : `; error on ${failed.join(", ")}`;
    return { code: 2, text: `ALL STOP (cluster version None${which})` };
  }
  const late = counted.filter((m) => !sameVersion(m.properties.version, version));
  if (late.length === 0) {
    const since = Math.max(hosts.mtime, ...counted.map((m) => m.mtime));
    return {
      code: 0,
      text: `Converged (${showVersion(version)} since ${ctime(since)})`,
      perf: { hosts: counted.length, unconverged: 0, lag: 0 },
    };
  }
  const lags = late.map((m) => ({
    name: name(m),
    seconds: Math.max(0, Math.floor((input.now - Math.max(hosts.mtime, m.ctime)) / 1000)),
  }));
  lags.sort((a, b) => a.seconds - b.seconds || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const worst = lags[lags.length - 1];
  const minutes = Math.floor(worst.seconds / 60);
  const code = minutes * 60 > input.error ? 2 : minutes * 60 > input.warn ? 1 : 0;
  return {
    code,
    text: `Unconverged (${worst.name} after ${minutes} minutes)`,
    perf: { hosts: counted.length, unconverged: late.length, lag: worst.seconds },
  };
}

/** The plugin line: `DEPLOY <STATE>: <text>[ | perfdata]`. */
export function formatClusterVerdict(verdict: ClusterVerdict, warn: number, error: number): string {
  const state = ["OK", "WARNING", "CRITICAL"][verdict.code];
  const p = verdict.perf;
  const perf = p === undefined
    ? ""
    : ` | hosts=${p.hosts} unconverged=${p.unconverged} lag=${p.lag}s;${warn};${error};0`;
  return `DEPLOY ${state}: ${verdict.text}${perf}`;
}
