/**
 * The `app/<name>` document in Consul's KV store: what is deployed where. consul-template on the
 * front nodes renders the proxies from it.
 *
 * @module
 */
import { branchProblem, repoUrlProblem } from "../git_ref.ts";
import { projectName } from "./app.ts";
import { PlanError, RefusedError } from "./errors.ts";
import { isEventId, isIpAddress, isNodeName, isProjectVolume, shown } from "./values.ts";

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
  /** The Caddy site addresses served, as one string: `http://a, http://b` (the front's
   * consul-template writes `{{ $v.urls }} {` for an application in maintenance). */
  urls: string;
  /** The hosts of those addresses, each once (each is an HAProxy backend on the front). */
  domains: string[];
  /** Service → container name. */
  ct: Record<string, string>;
  /** Replicated volumes. */
  volumes: string[];
  /** The Caddy sites, with the directives the front needs forced (see caddyfile.ts). */
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

/**
 * Parses a stored document and checks every value the handler may put into a path or an argv
 * ({@linkcode checkRecord}); `name` is the application's. Throws a {@linkcode RefusedError}
 * naming the key and the field.
 */
export function parseRecord(name: string, text: string): Partial<AppRecord> {
  return checkRecord(name, parseRecordObject(name, text));
}

/** Parses a stored document as a JSON object, without checking its values. */
export function parseRecordObject(name: string, text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) return value;
  } catch { /* reported below */ }
  throw new RefusedError(`app/${name} in Consul's KV store is not a JSON object`);
}

/**
 * Checks the values of `app/<name>` as a fresh event's are checked: node names, IPs, deploy IDs
 * (they name checkout directories), volumes (`<project>_<volume>` of this application), repo URL
 * and branch. Absent or null fields are left to the plans.
 */
function checkRecord(name: string, doc: Record<string, unknown>): Partial<AppRecord> {
  const bad = (field: string, what: string): never => {
    throw new RefusedError(
      `app/${name} in Consul's KV store: field ${field}: ${what}: ${shown(doc[field])}`,
    );
  };
  const present = (field: string) => doc[field] !== undefined && doc[field] !== null;
  for (const field of ["master", "slave"]) {
    if (present(field) && !isNodeName(doc[field])) bad(field, "not a valid node name");
  }
  for (const field of ["ip", "slave_ip"]) {
    if (present(field) && !isIpAddress(doc[field])) bad(field, "not an IP address");
  }
  for (const field of ["deploy_id", "previous_deploy_id"]) {
    if (present(field) && !isEventId(doc[field])) bad(field, "not a valid event ID");
  }
  if (present("volumes")) {
    const project = projectName(name);
    const volumes = doc.volumes;
    if (!Array.isArray(volumes)) bad("volumes", "expected a list of volume names");
    for (const volume of volumes as unknown[]) {
      if (!isProjectVolume(volume, project)) {
        bad("volumes", `${shown(volume)} is not a volume of project ${project}`);
      }
    }
  }
  if (present("repo_url") && (typeof doc.repo_url !== "string" || repoUrlProblem(doc.repo_url))) {
    bad("repo_url", "not a valid repository URL");
  }
  if (present("branch") && (typeof doc.branch !== "string" || branchProblem(doc.branch))) {
    bad("branch", "not a valid branch name");
  }
  return doc as Partial<AppRecord>;
}

/** Nodes' IPs by name, from Consul's member list. */
export type Members = Record<string, string>;

/** The IP of a node, or a {@linkcode PlanError} naming the node and its role. */
export function ipOf(members: Members, node: string, role: string): string {
  const ip = members[node];
  if (ip === undefined) throw new PlanError(`${role} '${node}' is not a member of the cluster`);
  if (!isIpAddress(ip)) {
    throw new PlanError(
      `${role} '${node}' has no valid IP address in Consul's member list: ${shown(ip)}`,
    );
  }
  return ip;
}
