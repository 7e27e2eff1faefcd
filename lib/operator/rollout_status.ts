/**
 * The progressive rollouts in `status` (issue 18), read from what the agents publish — each
 * host node's `rollout` property (`{<app path>: {version, state, deadline?}}`, see
 * `lib/agent/rollout.ts`) — never from the tree, so `status` stays one pipelined read.
 *
 * Per app that some host lists and that is not yet healthy everywhere at the cluster version:
 * hosts at the new version / hosts listing the app, and how many are deploying, checking health
 * (with the fewest seconds left to the deadline), waiting for a slot or for canaries, failed.
 *
 * @module
 */
import type { Properties, Value } from "../tree/model.ts";
import { sameVersion } from "../cluster/mod.ts";

/** One app's rollout across the fleet. */
export interface AppRollout {
  /** The app node's path. */
  path: string;
  /** Hosts healthy at the cluster version. */
  atVersion: number;
  /** Hosts that list the app. */
  total: number;
  /** Hosts running its deploy script. */
  deploying: number;
  /** Hosts waiting for its health check. */
  checking: number;
  /** The fewest seconds left to a checking host's deadline, or null. */
  secondsLeft: number | null;
  /** Hosts waiting for a slot. */
  waitingSlot: number;
  /** Hosts waiting for canaries. */
  waitingCanaries: number;
  /** Hosts whose deployment of it failed. */
  failed: number;
}

/** The apps being rolled out, from every host node's properties (sorted by path). */
export function summariseRollouts(
  nodes: readonly Properties[],
  clusterVersion: Value | undefined,
  nowSeconds: number,
): AppRollout[] {
  const apps = new Map<string, AppRollout>();
  for (const node of nodes) {
    const rollout = node.rollout;
    if (typeof rollout !== "object" || rollout === null || Array.isArray(rollout)) continue;
    for (const [path, raw] of Object.entries(rollout)) {
      if (typeof raw !== "object" || raw === null || Array.isArray(raw)) continue;
      let app = apps.get(path);
      if (app === undefined) {
        apps.set(
          path,
          app = {
            path,
            atVersion: 0,
            total: 0,
            deploying: 0,
            checking: 0,
            secondsLeft: null,
            waitingSlot: 0,
            waitingCanaries: 0,
            failed: 0,
          },
        );
      }
      app.total++;
      const current = sameVersion(raw.version, clusterVersion);
      if (!current) continue;
      switch (raw.state) {
        case "healthy":
          app.atVersion++;
          break;
        case "deploying":
          app.deploying++;
          break;
        case "checking": {
          app.checking++;
          if (typeof raw.deadline === "number") {
            const left = Math.max(0, raw.deadline - nowSeconds);
            app.secondsLeft = Math.min(app.secondsLeft ?? left, left);
          }
          break;
        }
        case "waiting-slot":
          app.waitingSlot++;
          break;
        case "waiting-canaries":
          app.waitingCanaries++;
          break;
        case "failed":
          app.failed++;
          break;
      }
    }
  }
  return [...apps.values()].filter((a) => a.atVersion < a.total).sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0
  );
}

/** The rollouts as an operator reads them (nothing when none is under way). */
export function formatRollouts(rollouts: readonly AppRollout[]): string[] {
  if (rollouts.length === 0) return [];
  const lines = ["rollouts:"];
  for (const r of rollouts) {
    const parts = [`${r.atVersion}/${r.total} hosts at the cluster version`];
    if (r.deploying > 0) parts.push(`deploying ${r.deploying}`);
    if (r.checking > 0) {
      const left = r.secondsLeft === null ? "" : ` (${r.secondsLeft} s left)`;
      parts.push(`checking health ${r.checking}${left}`);
    }
    if (r.waitingSlot > 0) parts.push(`waiting for a slot ${r.waitingSlot}`);
    if (r.waitingCanaries > 0) parts.push(`waiting for canaries ${r.waitingCanaries}`);
    if (r.failed > 0) parts.push(`failed ${r.failed}`);
    lines.push(`  ${r.path}: ${parts.join(", ")}`);
  }
  return lines;
}
