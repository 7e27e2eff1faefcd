/**
 * Pure planning of a deploy event on one node: old role (from the KV document) × new role (from
 * the payload) → the ordered steps. See the transition table in the README.
 *
 * @module
 */
import type { AppIdentity } from "./app.ts";
import { checkoutDir, checkoutDirNamed } from "./app.ts";
import * as c from "./step_builders.ts";
import type { ComposeFacts } from "./compose.ts";
import type { DeployPayload } from "./payload.ts";
import type { AppRecord, Members } from "./record.ts";
import { ipOf } from "./record.ts";
import { type Role, roleOf } from "./roles.ts";
import type { Step } from "./steps.ts";
import { appKey } from "./steps.ts";

/** A checkout of the application, read. */
export interface Checkout {
  /** Its directory (under the deploy directory). */
  dir: string;
  /** What its docker-compose.yml says. */
  compose: ComposeFacts;
  /** Whether it has an `update.sh`. */
  updateScript: boolean;
  /** The content of its `service.json`, when it ships one. */
  service?: Record<string, unknown>;
}

/** Everything a deploy plan depends on. */
export interface DeployFacts {
  /** This node. */
  node: string;
  /** The event ID (the new deploy ID). */
  eventId: string;
  /** The application. */
  app: AppIdentity;
  /** The validated payload. */
  payload: DeployPayload;
  /** The application's KV document before this event, if deployed. */
  old?: Partial<AppRecord>;
  /** Cluster members' IPs. */
  members: Members;
  /** The deploy directory. */
  deployDir: string;
  /** The compose command, e.g. `["docker", "compose"]`. */
  compose: readonly string[];
  /** Whether the old checkout (named by {@linkcode oldDeployId}) exists on this node. */
  oldCheckoutExists: boolean;
  /** The new checkout, read; required when the new role is master or slave. */
  checkout?: Checkout;
}

/** The role this node had and gets. */
export function deployRoles(f: Pick<DeployFacts, "node" | "old" | "payload">): [Role, Role] {
  return [
    roleOf(f.node, f.old?.master, f.old?.slave),
    roleOf(f.node, f.payload.master, f.payload.slave),
  ];
}

/**
 * Steps that fetch the new checkout of event `eventId` (first, before the application is touched)
 * and name its compose project in its `.env`.
 */
export function planCheckout(
  app: AppIdentity,
  deployDir: string,
  eventId: string,
  exists: boolean,
): Step[] {
  const dir = checkoutDir(deployDir, app.name, eventId);
  return [
    ...(exists ? [c.removeCheckout(deployDir, app.name, eventId)] : []),
    c.clone(app.repo, app.branch, dir),
    c.projectEnv(dir, app.project),
  ];
}

/** The steps of a deploy on this node, after the checkout. */
export function planDeploy(f: DeployFacts): Step[] {
  const [was, becomes] = deployRoles(f);
  const name = f.app.name;
  if (was === "nothing" && becomes === "nothing") return [c.note(`I'm still nothing for ${name}`)];
  const steps: Step[] = [c.note(`Role of ${f.node} for ${name}: ${was} → ${becomes}`)];
  const oldVolumes = f.old?.volumes ?? f.checkout?.compose.volumes ?? [];
  if (was === "master") steps.push(...leaveMaster(f, becomes, oldVolumes));
  if (was === "slave") steps.push(...c.schedulePurge(0, oldVolumes));
  if (becomes === "master") steps.push(...becomeMaster(f, was, oldVolumes));
  if (becomes === "slave") {
    steps.push(...c.schedulePurge(c.PURGE_MINUTES, required(f).compose.volumes));
  }
  const oldId = oldDeployId(f.old, f.eventId);
  if (oldId !== undefined && f.oldCheckoutExists) {
    steps.push(c.removeCheckout(f.deployDir, f.app.name, oldId));
  }
  return steps;
}

/**
 * The deploy ID naming the old checkout: the record's `deploy_id`, or its `previous_deploy_id`
 * when the event is re-sent (its ID is already the record's `deploy_id`: the record was written
 * by this event, the checkout before it is the previous one's), as the reference does.
 */
export function oldDeployId(
  old: Partial<AppRecord> | undefined,
  eventId: string,
): string | undefined {
  const id = old?.deploy_id === eventId ? old?.previous_deploy_id : old?.deploy_id;
  return id ? id : undefined;
}

function oldCheckout(f: DeployFacts): string | undefined {
  const id = oldDeployId(f.old, f.eventId);
  return id === undefined ? undefined : checkoutDir(f.deployDir, f.app.name, id);
}

function required(f: DeployFacts): Checkout {
  if (f.checkout === undefined) throw new Error("planDeploy: the new checkout was not read");
  return f.checkout;
}

/** The old master stops the application; it sends the data away when it is no longer master. */
function leaveMaster(f: DeployFacts, becomes: Role, volumes: string[]): Step[] {
  const name = f.app.name;
  const dir = f.oldCheckoutExists ? oldCheckout(f) : undefined;
  const stop = (...args: string[]): Step[] =>
    dir === undefined ? [] : [c.compose(f.compose, f.app.project, dir, ...args)];
  const oldSlaveIp = f.old?.slave
    ? (f.old.slave_ip ?? ipOf(f.members, f.old.slave, "old slave"))
    : undefined;
  const steps: Step[] = [
    c.maintenance(name, true),
    ...(dir === undefined
      ? [c.cannotStop(name, checkoutDirNamed(f.deployDir, name, oldDeployId(f.old, f.eventId)))]
      : stop("down")),
    ...c.scheduleBackups(oldSlaveIp, false, volumes),
    ...c.schedulePurge(0, volumes),
  ];
  if (becomes === "master") {
    steps.push(...volumes.map((v) => c.snapshot(v)));
    return steps;
  }
  const newMasterIp = ipOf(f.members, f.payload.master, "new master");
  const failed = [c.notifyTransfer(name, "failure", f.eventId, f.node)];
  for (const volume of volumes) {
    steps.push(c.snapshot(volume, failed), c.send(newMasterIp, volume, failed));
  }
  steps.push(
    c.notifyTransfer(name, "success", f.eventId, f.node),
    { kind: "consul", call: { op: "service-deregister", id: name } },
    ...stop("down", "-v"),
  );
  return steps;
}

/** The new master builds, receives the data if it came from another node, starts, registers. */
function becomeMaster(f: DeployFacts, was: Role, oldVolumes: string[]): Step[] {
  const co = required(f);
  const { app, payload } = f;
  const steps: Step[] = [
    c.compose(f.compose, app.project, co.dir, "pull"),
    c.compose(f.compose, app.project, co.dir, "build", "--pull"),
  ];
  if (was !== "master" && f.old?.master) {
    steps.push(...c.awaitTransfer(app.name, f.eventId));
    const old = new Set(oldVolumes);
    steps.push(...co.compose.volumes.filter((v) => old.has(v)).map((v) => c.restore(v)));
  }
  if (payload.update) {
    steps.push(
      co.updateScript
        ? c.updateScript(co.dir, app.repo, app.branch)
        : c.note(`update asked but ${co.dir}/update.sh does not exist`, "warning"),
    );
  }
  const slaveIp = payload.slave ? ipOf(f.members, payload.slave, "new slave") : undefined;
  steps.push(
    c.compose(f.compose, app.project, co.dir, "up", "-d"),
    ...c.scheduleBackups(slaveIp, true, co.compose.volumes),
    ...c.schedulePurge(c.PURGE_MINUTES, co.compose.volumes),
    {
      kind: "consul",
      call: { op: "kv-put", key: appKey(app.name), value: { ...record(f, slaveIp) } },
    },
    { kind: "consul", call: { op: "service-register", service: serviceDefinition(app.name, co) } },
    c.maintenance(app.name, false),
  );
  return steps;
}

/** The KV document the new master writes. */
function record(f: DeployFacts, slaveIp: string | undefined): AppRecord {
  const co = required(f).compose;
  const previous = f.old?.deploy_id === f.eventId
    ? f.old?.previous_deploy_id ?? null
    : f.old?.deploy_id ?? null;
  return {
    master: f.payload.master,
    slave: f.payload.slave ?? null,
    ip: ipOf(f.members, f.payload.master, "new master"),
    slave_ip: slaveIp ?? null,
    repo_url: f.app.repo,
    branch: f.app.branch,
    deploy_id: f.eventId,
    previous_deploy_id: previous,
    urls: co.urls.join(", "),
    domains: co.domains,
    ct: co.ct,
    volumes: co.volumes,
    caddyfile: co.caddyfile,
    haproxy: co.haproxy,
  };
}

/**
 * The Consul service: the app's `service.json`, or one HTTP check every 60 s per Caddy site and
 * per `CONSUL_CHECK_URLS` URL.
 */
export function serviceDefinition(name: string, co: Checkout): Record<string, unknown> {
  if (co.service !== undefined) {
    return { ID: name, Name: name, ...co.service };
  }
  return {
    ID: name,
    Name: name,
    Checks: co.compose.checks.map((url) => ({
      HTTP: url.includes("://") ? url : `http://${url}`,
      Interval: "60s",
    })),
  };
}
