/**
 * The `app/<name>` document in Consul's KV store: what is deployed where. consul-template on the
 * front nodes renders the proxies from it.
 *
 * @module
 */
import { PlanError } from "./errors.ts";

/** The KV document of a deployed application. */
export interface AppRecord {
  /** Node running the application. */
  master: string;
  /** Node receiving the replicated snapshots, or null. */
  slave: string | null;
  /** IP of the master. */
  ip: string;
  /** IP of the slave (to stop its replication schedule even when it has left), or null. */
  slave_ip: string | null;
  /** Repo URL. */
  repo_url: string;
  /** Branch. */
  branch: string;
  /** Event ID of the deployment (names the checkout). */
  deploy_id: string;
  /** Event ID of the deployment before, or null. */
  previous_deploy_id: string | null;
  /** URLs served. */
  urls: string[];
  /** Their host names. */
  domains: string[];
  /** Service → container name. */
  ct: Record<string, string>;
  /** Replicated volumes. */
  volumes: string[];
  /** Caddy configuration fragment. */
  caddyfile: string;
  /** HAProxy configuration fragment. */
  haproxy: Record<string, unknown>;
  /** The last failure, if the last event failed on some node. */
  error?: AppError;
}

/** A failure stored in the document. */
export interface AppError {
  /** Node where it failed. */
  node: string;
  /** Event being handled. */
  event: string;
  /** The step that failed, as printed. */
  step: string;
  /** What went wrong. */
  message: string;
}

/** Parses a stored document; `name` is for the error message. */
export function parseRecord(name: string, text: string): Partial<AppRecord> {
  try {
    const value = JSON.parse(text);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) return value;
  } catch { /* reported below */ }
  throw new PlanError(`app/${name} in Consul's KV store is not a JSON object`);
}

/** Nodes' IPs by name, from Consul's member list. */
export type Members = Record<string, string>;

/** The IP of a node, or a {@linkcode PlanError} naming the node and its role. */
export function ipOf(members: Members, node: string, role: string): string {
  const ip = members[node];
  if (ip === undefined) throw new PlanError(`${role} '${node}' is not a member of the cluster`);
  return ip;
}
