/**
 * Pure planning of a destroy event on one node. Snapshots are kept.
 *
 * @module
 */
import type { AppIdentity } from "./app.ts";
import { checkoutDir, checkoutDirNamed } from "./app.ts";
import * as c from "./step_builders.ts";
import type { AppRecord, Members } from "./record.ts";
import { ipOf } from "./record.ts";
import { roleOf } from "./roles.ts";
import type { Step } from "./steps.ts";
import { appKey } from "./steps.ts";

/** Everything a destroy plan depends on. */
export interface DestroyFacts {
  /** This node. */
  node: string;
  /** The application. */
  app: AppIdentity;
  /** Its KV document, if deployed. */
  old?: Partial<AppRecord>;
  /** Cluster members' IPs. */
  members: Members;
  /** The deploy directory. */
  deployDir: string;
  /** The compose command. */
  compose: readonly string[];
  /** Whether the checkout named by the KV document exists on this node. */
  checkoutExists: boolean;
}

/** The steps of a destroy on this node. */
export function planDestroy(f: DestroyFacts): Step[] {
  const { app, old } = f;
  if (old === undefined) return [c.note(`${app.name} is not deployed: nothing to destroy`)];
  const role = roleOf(f.node, old.master, old.slave);
  const dir = old.deploy_id ? checkoutDir(f.deployDir, app.name, old.deploy_id) : undefined;
  const remove = old.deploy_id && f.checkoutExists
    ? [c.removeCheckout(f.deployDir, app.name, old.deploy_id)]
    : [];
  const volumes = old.volumes ?? [];
  if (role === "nothing") return [c.note(`I was nothing for ${app.name}`)];
  if (role === "slave") {
    return [c.note(`I was the slave of ${app.name}`), ...c.schedulePurge(0, volumes), ...remove];
  }
  const cwd = f.checkoutExists ? dir : undefined;
  const stop = (...args: string[]): Step[] =>
    cwd === undefined ? [] : [c.compose(f.compose, app.project, cwd, ...args)];
  const slaveIp = old.slave ? (old.slave_ip ?? ipOf(f.members, old.slave, "slave")) : undefined;
  return [
    c.note(`I was the master of ${app.name}`),
    ...(cwd === undefined
      ? [c.cannotStop(app.name, checkoutDirNamed(f.deployDir, app.name, old.deploy_id))]
      : stop("down")),
    { kind: "consul", call: { op: "service-deregister", id: app.name } },
    ...c.scheduleBackups(slaveIp, false, volumes),
    ...c.schedulePurge(0, volumes),
    { kind: "consul", call: { op: "kv-delete", key: appKey(app.name) } },
    ...volumes.map((v) => c.snapshot(v)),
    ...stop("down", "-v"),
    ...remove,
  ];
}
