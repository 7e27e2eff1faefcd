/**
 * Pure planning of a migrate event on one node: the data volumes of the source application are
 * copied into the target application (same volume suffix) except the target's non-migrable ones,
 * then the target's `post_migrate.sh` and update script run.
 *
 * @module
 */
import type { AppIdentity } from "./app.ts";
import type { TargetCheckout } from "./checkout.ts";
import { checkoutDirNamed } from "./app.ts";
import * as c from "./step_builders.ts";
import { PlanError } from "./errors.ts";
import type { AppRecord, Members } from "./record.ts";
import { ipOf } from "./record.ts";
import type { Step } from "./steps.ts";

/** Everything a migrate plan depends on. */
export interface MigrateFacts {
  /** This node. */
  node: string;
  /** The event ID. */
  eventId: string;
  /** Source application. */
  source: AppIdentity;
  /** Target application. */
  target: AppIdentity;
  /** Source KV document. */
  sourceRecord?: Partial<AppRecord>;
  /** Target KV document. */
  targetRecord?: Partial<AppRecord>;
  /** Cluster members' IPs. */
  members: Members;
  /** Deploy directory. */
  deployDir: string;
  /** Compose command. */
  compose: readonly string[];
  /** Whether to run the target's update script. */
  update: boolean;
  /** The target's checkout on this node, read (when there is one). */
  targetCheckout?: TargetCheckout;
}

/** Source and target volumes with the same suffix (the part after `<project>_`). */
export function commonVolumes(source: string[], target: string[]): Array<[string, string]> {
  const suffix = (v: string) => v.slice(v.indexOf("_") + 1);
  const byName = new Map(target.map((v) => [suffix(v), v]));
  return source.filter((v) => byName.has(suffix(v))).map((v) => [v, byName.get(suffix(v))!]);
}

/** The steps of a migrate on this node. */
export function planMigrate(f: MigrateFacts): Step[] {
  const { source, target } = f;
  if (f.sourceRecord?.master === undefined) {
    throw new PlanError(`source application ${source.name} is not deployed`);
  }
  if (f.targetRecord?.master === undefined) {
    throw new PlanError(`target application ${target.name} is not deployed`);
  }
  const sourceNode = f.sourceRecord.master;
  const targetNode = f.targetRecord.master;
  if (sourceNode !== f.node && targetNode !== f.node) {
    return [c.note(`Not concerned by the migration of ${source.name} to ${target.name}`)];
  }
  const pairs = commonVolumes(f.sourceRecord.volumes ?? [], f.targetRecord.volumes ?? []);
  const steps: Step[] = [
    c.note(`Migrating ${pairs.map(([s, t]) => `${s} → ${t}`).join(", ") || "no common volume"}`),
  ];
  const sameNode = sourceNode === targetNode;
  if (sourceNode === f.node) {
    const failed = sameNode ? [] : [c.notifyTransfer(source.name, "failure", f.eventId, f.node)];
    const targetIp = sameNode ? "" : ipOf(f.members, targetNode, "target master");
    for (const [volume] of pairs) {
      steps.push(c.snapshot(volume, failed));
      if (!sameNode) steps.push(c.send(targetIp, volume, failed));
    }
    if (!sameNode) steps.push(c.notifyTransfer(source.name, "success", f.eventId, f.node));
  }
  if (targetNode !== f.node) return steps;
  const dir = checkoutDirNamed(f.deployDir, target.name, f.targetRecord.deploy_id);
  const co = f.targetCheckout;
  if (co === undefined || co.dir !== dir) {
    throw new PlanError(`no checkout of the target application ${target.name} at ${dir}`);
  }
  if (!sameNode) steps.push(...c.awaitTransfer(source.name, f.eventId));
  const kept = new Set(co.nonMigrable);
  steps.push(
    c.maintenance(target.name, true),
    c.compose(f.compose, target.project, dir, "down"),
    ...pairs.map(([s, t]) => c.restoreMigrable(s, t, kept.has(t))),
  );
  if (co.postMigrateScript) {
    steps.push(c.postMigrateScript(dir, source, target));
  }
  if (f.update) {
    steps.push(
      co.updateScript
        ? c.updateScript(dir, target.repo, target.branch)
        : c.note(`no update script in ${dir}`),
    );
  }
  steps.push(
    c.compose(f.compose, target.project, dir, "up", "-d"),
    c.maintenance(target.name, false),
  );
  return steps;
}
