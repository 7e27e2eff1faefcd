/**
 * The fleet at a glance: the cluster version and every host's node (`/hosts/<id>`: name, role,
 * version, error, and the apps being rolled out from its `rollout`), read in one pipelined pass.
 *
 * @module
 */
import type { Store } from "../store/types.ts";
import { decodeProperties } from "../tree/codec.ts";
import { joinPath, type Properties, type Value } from "../tree/model.ts";
import { type AppRollout, formatRollouts, summariseRollouts } from "./rollout_status.ts";
import { sameVersion, showVersion } from "../cluster/mod.ts";
import { HOSTS_PATH } from "../cluster/mod.ts";

/** The cluster's state as the version says it. */
export type ClusterState = "uninitialised" | "running" | "stopped" | "paused";

/** One host's report. */
export interface HostStatus {
  /** Host id (the node name). */
  id: string;
  /** Host name, as the agent reports it. */
  name: string | null;
  /** Role, when the host has one. */
  role: string | null;
  /** The version the host last deployed. */
  version: Value | null;
  /** Whether that is the cluster version. */
  converged: boolean;
  /** The last failure's message, when the last deployment failed. */
  error: string | null;
  /** Whether the node is ephemeral (an agent is connected) or a leftover persistent node. */
  connected: boolean;
}

/** The whole fleet. */
export interface FleetStatus {
  /** Cluster version (undefined → no /hosts yet). */
  version: Value | undefined;
  /** What the version means. */
  state: ClusterState;
  /** Every host, sorted by id. */
  hosts: HostStatus[];
  /** The apps being rolled out, as the agents publish it (issue 18; `rollout_status.ts`). */
  rollouts: AppRollout[];
}

/** Reads the fleet's status. */
export async function readFleetStatus(store: Store): Promise<FleetStatus> {
  const hosts = await store.get(HOSTS_PATH);
  if (hosts === null) {
    return { version: undefined, state: "uninitialised", hosts: [], rollouts: [] };
  }
  const version = decodeProperties(hosts.data).version;
  const state: ClusterState = version === null
    ? "stopped"
    : version === false
    ? "paused"
    : "running";
  const nodes = await store.getMany(hosts.children.map((id) => joinPath(HOSTS_PATH, id)));
  const list: HostStatus[] = [];
  const properties: Properties[] = [];
  for (const [i, node] of nodes.entries()) {
    if (node === null) continue;
    const p = decodeProperties(node.data);
    properties.push(p);
    const text = (v: Value | undefined) => typeof v === "string" ? v : v == null ? null : String(v);
    list.push({
      id: hosts.children[i],
      name: text(p.name),
      role: text(p.role),
      version: p.version ?? null,
      converged: sameVersion(p.version, version),
      error: text(p.error),
      connected: node.ephemeral,
    });
  }
  const rollouts = summariseRollouts(properties, version, Math.round(Date.now() / 1000));
  return { version, state, hosts: list, rollouts };
}

/** Whether monitoring should alarm: the cluster is stopped or a host reports an error. */
export function isAlarming(status: FleetStatus): boolean {
  return status.state === "stopped" || status.hosts.some((h) => h.error !== null);
}

/** The status as an operator reads it: a headline and a table. */
export function formatFleetStatus(status: FleetStatus): string[] {
  const headline = {
    uninitialised: "cluster version: none yet (no /hosts node: run sync first)",
    running: `cluster version: ${showVersion(status.version)}`,
    stopped: "cluster version: None — ALL STOP: agents will not deploy, sync refuses. " +
      "Fix the cause (see the host errors below), then `clusterdeploy resume VERSION`.",
    paused: "cluster version: False — paused: agents will not deploy; the next sync proceeds " +
      "without waiting for hosts.",
  }[status.state];
  const lines = [headline];
  if (status.hosts.length === 0) {
    lines.push("no hosts have reported");
    return lines;
  }
  const rows = [["HOST", "NAME", "ROLE", "VERSION", "CONVERGED", "AGENT", "ERROR"]];
  for (const h of status.hosts) {
    rows.push([
      h.id,
      h.name ?? "-",
      h.role ?? "-",
      showVersion(h.version ?? undefined).replace("initial", "-"),
      h.converged ? "yes" : "no",
      h.connected ? "up" : "down",
      h.error ?? "",
    ]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const row of rows) {
    lines.push(
      row.map((cell, c) => c === row.length - 1 ? cell : cell.padEnd(widths[c])).join("  ")
        .trimEnd(),
    );
  }
  lines.push(...formatRollouts(status.rollouts ?? []));
  return lines;
}
