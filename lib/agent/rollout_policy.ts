/**
 * An app's rollout policy (issue 18), pure: the app node's `max_parallel`, `canary`,
 * `health_url`, `min_healthy_time` and `healthy_deadline` as the agent read them, checked again
 * (the tree may come from another tool: the rules are `lib/tree/rollout_values.ts`, the ones
 * sync applies) and completed with the defaults; and the lines `plan` and `agent --dry-run`
 * show for it.
 *
 * @module
 */
import type { Deployment } from "./deployments.ts";
import { DeploymentError } from "./deployments.ts";
import { rolloutProblems } from "../tree/rollout_values.ts";
import { formatArgv } from "../proc/types.ts";

/** `min_healthy_time` when a check exists and the tree gives none (seconds). */
export const DEFAULT_MIN_HEALTHY_TIME = 10;
/** `healthy_deadline` when the tree gives none (seconds). */
export const DEFAULT_HEALTHY_DEADLINE = 300;

/** An app's rollout policy with the defaults filled in. */
export interface RolloutPolicy {
  /** How many hosts may deploy the app at once (1: the app lock of `/agent-locks`). */
  maxParallel: number;
  /** How many hosts deploy a new version of the app, and pass its check, before any other. */
  canary: number;
  /** The URL GET after the deploy scripts ran (healthy = 2xx within 5 s), or null. */
  healthUrl: string | null;
  /** Seconds the check must keep passing before the host counts as healthy. */
  minHealthyTime: number;
  /** Seconds after the deploy scripts ran by which the host must be healthy. */
  healthyDeadline: number;
}

/** The policy of an app without rollout properties: today's behaviour. */
export const DEFAULT_POLICY: RolloutPolicy = {
  maxParallel: 1,
  canary: 0,
  healthUrl: null,
  minHealthyTime: DEFAULT_MIN_HEALTHY_TIME,
  healthyDeadline: DEFAULT_HEALTHY_DEADLINE,
};

/** The first problem of `d`'s rollout properties, or undefined. */
export function policyProblem(d: Pick<Deployment, "policy">): string | undefined {
  return rolloutProblems(d.policy ?? {})[0]?.problem;
}

/** `d`'s policy; throws {@linkcode DeploymentError} for a bad value (before anything is done). */
export function rolloutPolicy(d: Pick<Deployment, "policy" | "path">): RolloutPolicy {
  const problem = policyProblem(d);
  if (problem !== undefined) {
    throw new DeploymentError(`Refusing to deploy ${JSON.stringify(d.path)}: ${problem}`);
  }
  const p = d.policy ?? {};
  return {
    maxParallel: (p.max_parallel as number | undefined) ?? DEFAULT_POLICY.maxParallel,
    canary: (p.canary as number | undefined) ?? DEFAULT_POLICY.canary,
    healthUrl: (p.health_url as string | undefined) ?? null,
    minHealthyTime: (p.min_healthy_time as number | undefined) ?? DEFAULT_MIN_HEALTHY_TIME,
    healthyDeadline: (p.healthy_deadline as number | undefined) ?? DEFAULT_HEALTHY_DEADLINE,
  };
}

/** The health script a package may ship (`/opt/<pkg>/bin/zookeeper-health`). */
export function healthScript(pkg: string): string {
  return `/opt/${pkg}/bin/zookeeper-health`;
}

/** One line describing a policy: `max_parallel 10, canary 1, health …`. */
export function describePolicy(policy: RolloutPolicy): string {
  const parts = [`max_parallel ${policy.maxParallel}`, `canary ${policy.canary}`];
  parts.push(
    policy.healthUrl === null ? "health_url none" : `health_url ${policy.healthUrl}`,
    `min_healthy_time ${policy.minHealthyTime} s`,
    `healthy_deadline ${policy.healthyDeadline} s`,
  );
  return parts.join(", ");
}

/**
 * The check this host would run for `d` (`hasScript`: whether the package's `zookeeper-health`
 * is installed here, null when that is not known), as one line: `GET <url>`, the script's
 * command, both, or `none`.
 */
export function describeCheck(
  d: Pick<Deployment, "pkg" | "path" | "n">,
  policy: RolloutPolicy,
  hasScript: boolean | null,
): string {
  const checks: string[] = [];
  if (policy.healthUrl !== null) checks.push(`GET ${policy.healthUrl} (2xx within 5 s)`);
  const script = formatArgv([healthScript(d.pkg), d.path, String(d.n)]);
  if (hasScript === true) checks.push(script);
  const text = checks.length === 0 ? "none" : checks.join(" and ");
  return hasScript === null ? `${text} (and ${script} if the package ships it)` : text;
}

/**
 * The rollout lines of a host's deployments for `plan` and `agent --dry-run`: one per
 * deployment whose app has rollout properties or (`hasScript`) a health script here, giving the
 * policy and the check; a bad policy is shown as the refusal the agent would make.
 */
export function rolloutLines(
  deployments: readonly Deployment[],
  hasScript: (d: Deployment) => boolean | null,
): string[] {
  const lines: string[] = [];
  for (const d of deployments) {
    const script = hasScript(d);
    if (d.policy === undefined && script !== true) continue;
    const problem = policyProblem(d);
    if (problem !== undefined) {
      lines.push(`${d.path} ${d.n}: refused: ${problem}`);
      continue;
    }
    const policy = rolloutPolicy(d);
    lines.push(
      `${d.path} ${d.n}: ${describePolicy(policy)}; check: ${describeCheck(d, policy, script)}`,
    );
  }
  return lines;
}
