/**
 * Step builders for the commands and Consul calls the plans use (argv arrays only).
 *
 * @module
 */
import { branchProblem, repoUrlProblem } from "../git_ref.ts";
import { provenCheckoutDir } from "./app.ts";
import type { Arg, RunStep, Step } from "./steps.ts";
import { maintenanceKey, transferPrefix } from "./steps.ts";
import { isIpAddress, isVolumeName, shown } from "./values.ts";

/** Snapshot schedule, minutes. */
export const SNAPSHOT_MINUTES = 60;
/** Purge schedule, minutes. */
export const PURGE_MINUTES = 1440;
/** Purge retention pattern. */
export const PURGE_PATTERN = "1h:1d:1w:4w:1y";

const run = (argv: Arg[], extra: Partial<RunStep> = {}): RunStep => ({
  kind: "run",
  argv,
  ...extra,
});

/**
 * `volume` once checked where it becomes an argv element (it was checked where it entered: the
 * compose file, or the stored document): docker's volume name characters, never option-like.
 */
function volumeArg(volume: string): string {
  if (!isVolumeName(volume)) throw new Error(`not a volume name: ${shown(volume)}`);
  return volume;
}

/** `ip` once checked where it becomes an argv element: an IPv4 or IPv6 address. */
function ipArg(ip: string): string {
  if (!isIpAddress(ip)) throw new Error(`not an IP address: ${shown(ip)}`);
  return ip;
}

/** The name under which a volume's snapshot is saved. */
export const snapshotOf = (volume: string): string => `snapshot of ${volume}`;

/** `buttervolume snapshot VOL`, saving the snapshot name. */
export function snapshot(volume: string, onFailure?: Step[]): RunStep {
  return run(["buttervolume", "snapshot", volumeArg(volume)], {
    saveAs: snapshotOf(volume),
    onFailure,
  });
}

/** `buttervolume send IP SNAPSHOT` of the snapshot just taken of `volume`. */
export function send(ip: string, volume: string, onFailure?: Step[]): RunStep {
  return run(["buttervolume", "send", ipArg(ip), { output: snapshotOf(volumeArg(volume)) }], {
    onFailure,
  });
}

/** `buttervolume restore SNAPSHOT [TARGET]` (a volume name restores its latest snapshot). */
export function restore(snapshotName: string, target?: string): RunStep {
  return run([
    "buttervolume",
    "restore",
    volumeArg(snapshotName),
    ...(target ? [volumeArg(target)] : []),
  ]);
}

/** `docker volume inspect VOL`: the engine's view of a volume (its labels). */
export function inspectVolume(volume: string): RunStep {
  return run(["docker", "volume", "inspect", volumeArg(volume)]);
}

/**
 * The restore of `source` into `target` unless `target` is labelled non-migrable (on the engine's
 * volume; in the compose file when the volume does not exist yet).
 */
export function restoreMigrable(source: string, target: string, composeNonMigrable: boolean): Step {
  return {
    kind: "restore-migrable",
    source: volumeArg(source),
    target: volumeArg(target),
    composeNonMigrable,
  };
}

/** `buttervolume schedule snapshot MIN VOL` for each volume (0 disables). */
export function scheduleSnapshots(minutes: number, volumes: string[]): RunStep[] {
  return volumes.map((v) =>
    run(["buttervolume", "schedule", "snapshot", String(minutes), volumeArg(v)])
  );
}

/** `buttervolume schedule replicate:IP MIN VOL` for each volume (0 disables). */
export function scheduleReplication(ip: string, minutes: number, volumes: string[]): RunStep[] {
  return volumes.map((v) =>
    run(["buttervolume", "schedule", `replicate:${ipArg(ip)}`, String(minutes), volumeArg(v)])
  );
}

/** `buttervolume schedule purge:PATTERN MIN VOL` for each volume (0 disables). */
export function schedulePurge(minutes: number, volumes: string[]): RunStep[] {
  return volumes.map((v) =>
    run(["buttervolume", "schedule", `purge:${PURGE_PATTERN}`, String(minutes), volumeArg(v)])
  );
}

/** Snapshots every 60 min, or replication to the slave's IP when there is one. */
export function scheduleBackups(slaveIp: string | undefined, on: boolean, volumes: string[]) {
  const minutes = on ? SNAPSHOT_MINUTES : 0;
  return slaveIp === undefined
    ? scheduleSnapshots(minutes, volumes)
    : scheduleReplication(slaveIp, minutes, volumes);
}

/** A compose command for `project` run in `dir`: `<compose> -p PROJECT ARGS…`. */
export function compose(cmd: readonly string[], project: string, dir: string, ...args: string[]) {
  return run([...cmd, "-p", project, ...args], { cwd: dir });
}

/** `git clone --depth 1 --branch BRANCH -- REPO DIR`. */
export function clone(repo: string, branch: string, dir: string): RunStep {
  checkRef("git clone", repo, branch);
  return run(["git", "clone", "--depth", "1", "--branch", branch, "--", repo, dir]);
}

/**
 * Checks a repo URL and branch again where they become argv elements of `what` (they were checked
 * where they entered: the event, or the stored document).
 */
function checkRef(what: string, repo: string, branch: string): void {
  const problem = repoUrlProblem(repo) ?? branchProblem(branch);
  if (problem !== undefined) {
    throw new Error(`${what} of ${shown(repo)} branch ${shown(branch)}: ${problem}`);
  }
}

/** `COMPOSE_PROJECT_NAME=<project>` in the checkout's `.env`. */
export function projectEnv(dir: string, project: string): Step {
  return { kind: "project-env", dir, project };
}

/**
 * `rm -rf DIR` of the checkout `<deploy dir>/<name>-<deploy id>`; throws unless that path, once
 * normalised, is a direct child of the deploy directory with that name.
 */
export function removeCheckout(deployDir: string, name: string, deployId: string): RunStep {
  return run(["rm", "-rf", "--", provenCheckoutDir(deployDir, name, deployId)]);
}

/** `sh update.sh -r REPO -b BRANCH` in the checkout. */
export function updateScript(dir: string, repo: string, branch: string): RunStep {
  checkRef("update.sh", repo, branch);
  return run(["sh", "update.sh", "-r", repo, "-b", branch], { cwd: dir });
}

/**
 * `sh <dir>/post_migrate.sh -R SOURCE_REPO -B SOURCE_BRANCH -r TARGET_REPO -b TARGET_BRANCH`,
 * in the target's checkout `dir`.
 */
export function postMigrateScript(
  dir: string,
  source: { repo: string; branch: string },
  target: { repo: string; branch: string },
): RunStep {
  checkRef("post_migrate.sh", source.repo, source.branch);
  checkRef("post_migrate.sh", target.repo, target.branch);
  return run([
    "sh",
    `${dir}/post_migrate.sh`,
    "-R",
    source.repo,
    "-B",
    source.branch,
    "-r",
    target.repo,
    "-b",
    target.branch,
  ], { cwd: dir });
}

/** Maintenance mode on (KV key present) or off (deleted). */
export function maintenance(name: string, on: boolean): Step {
  return on
    ? { kind: "consul", call: { op: "kv-put", key: maintenanceKey(name), value: "" } }
    : { kind: "consul", call: { op: "kv-delete", key: maintenanceKey(name) } };
}

/** The transfer notification `migrate/<name>/<status>` naming the event and the sender. */
export function notifyTransfer(
  name: string,
  status: "success" | "failure",
  eventId: string,
  node: string,
): Step {
  return {
    kind: "consul",
    call: {
      op: "kv-put",
      key: `${transferPrefix(name)}${status}`,
      value: { event: eventId, node },
    },
  };
}

/** Waits for the transfer notification, then deletes it. */
export function awaitTransfer(name: string, eventId: string): Step[] {
  return [
    { kind: "wait-transfer", name, eventId },
    { kind: "consul", call: { op: "kv-delete", key: transferPrefix(name), recurse: true } },
  ];
}

/**
 * The warning that replaces the compose commands on an old checkout that is not there (removed,
 * or replaced by the checkout of a re-sent event): compose is never run elsewhere.
 */
export function cannotStop(name: string, dir: string): Step {
  return note(`Cannot stop ${name}: no checkout at ${dir}`, "warning");
}

/** A log message step. */
export function note(message: string, level: "info" | "warning" = "info"): Step {
  return { kind: "note", message, level };
}
