/**
 * The health gate of one deployment (issue 18): after the app's deploy script ran, the host
 * polls its check every {@linkcode POLL_MS} until it has passed for `min_healthy_time` seconds
 * in a row; past `healthy_deadline` seconds (counted from the end of the deploy script) it
 * fails with {@linkcode HealthCheckError}.
 *
 * The check: the app's `health_url` (GET; healthy = a 2xx answer within 5 s) and the package's
 * `/opt/<pkg>/bin/zookeeper-health <path> <n>` when it is installed (exit 0 healthy, 1 unhealthy,
 * anything else an error that fails the deployment at once); both must pass when both exist.
 * No check: healthy at once. The URL is checked again before it is fetched (the rules of
 * `lib/tree/rollout_values.ts`); the script runs as an argv array under the agent's root.
 *
 * @module
 */
import { exists, underRoot } from "../fs.ts";
import type { Logger } from "../log.ts";
import type { Runner } from "../proc/types.ts";
import { StoreError } from "../store/types.ts";
import { healthUrlProblem } from "../tree/rollout_values.ts";
import type { Deployment } from "./deployments.ts";
import { healthScript, rolloutLines, type RolloutPolicy } from "./rollout_policy.ts";
import type { Step } from "./plan.ts";

/** How often the check is polled. */
export const POLL_MS = 2_000;
/** How long one GET of `health_url` may take. */
export const URL_TIMEOUT_MS = 5_000;
/** How long one run of `zookeeper-health` may take (then it counts as unhealthy). */
export const SCRIPT_TIMEOUT_MS = 60_000;
/** The most characters of an answer or output kept in the error. */
export const ANSWER_CHARS = 200;

/** The deployment failed its health check (or the check failed with an error). */
export class HealthCheckError extends Error {
  /** Makes the error. */
  constructor(message: string) {
    super(message);
    this.name = "HealthCheckError";
  }
}

/** One probe's outcome. */
interface Probe {
  /** Healthy now. */
  healthy: boolean;
  /** The answer or output, for the error. */
  answer: string;
  /** An error (not merely unhealthy): fail at once. */
  error?: boolean;
}

/** What {@linkcode waitHealthy} needs. */
export interface HealthOptions {
  /** Runs `zookeeper-health`. */
  runner: Runner;
  /** The agent's root. */
  root: string;
  /** The agent's log. */
  logger: Logger;
  /** Aborted when the agent stops. */
  signal?: AbortSignal;
  /** Told the deadline (ms since the epoch) when the wait starts. */
  onStart?: (deadline: number) => void;
}

/** Whether `d`'s package ships `zookeeper-health` on this host. */
export function hasHealthScript(root: string, d: Pick<Deployment, "pkg">): Promise<boolean> {
  return exists(underRoot(root, healthScript(d.pkg)));
}

/** Whether `d` has any check here (so that its slot is held through a health wait). */
export async function hasCheck(
  root: string,
  d: Pick<Deployment, "pkg">,
  policy: RolloutPolicy,
): Promise<boolean> {
  return policy.healthUrl !== null || await hasHealthScript(root, d);
}

/** The rollout lines of `agent --dry-run`: the deploy steps' policies and this host's checks. */
export async function hostRolloutLines(root: string, steps: readonly Step[]): Promise<string[]> {
  const deployments = steps.flatMap((s) => s.kind === "deploy" ? [s.deployment] : []);
  const scripts = new Map<string, boolean>();
  for (const d of deployments) scripts.set(d.pkg, await hasHealthScript(root, d));
  return rolloutLines(deployments, (d) => scripts.get(d.pkg) ?? false);
}

function truncate(text: string): string {
  const one = text.replace(/\s+/g, " ").trim();
  return one.length > ANSWER_CHARS ? `${one.slice(0, ANSWER_CHARS)}…` : one;
}

async function probeUrl(url: string, signal?: AbortSignal): Promise<Probe> {
  const timeout = AbortSignal.timeout(URL_TIMEOUT_MS);
  try {
    const response = await fetch(url, {
      signal: signal === undefined ? timeout : AbortSignal.any([timeout, signal]),
      redirect: "manual",
    });
    const body = await response.text().catch(() => "");
    const healthy = response.status >= 200 && response.status < 300;
    return { healthy, answer: truncate(`HTTP ${response.status} ${body}`) };
  } catch (error) {
    const why = timeout.aborted ? `no answer within ${URL_TIMEOUT_MS / 1000} s` : String(error);
    return { healthy: false, answer: truncate(`GET ${url}: ${why}`) };
  }
}

async function probeScript(o: HealthOptions, d: Deployment): Promise<Probe> {
  const argv = [underRoot(o.root, healthScript(d.pkg)), d.path, String(d.n)];
  const result = await o.runner.run(argv, { timeoutMs: SCRIPT_TIMEOUT_MS });
  const output = truncate(`${result.stdout} ${result.stderr}`);
  if (result.code === 0) return { healthy: true, answer: output };
  if (result.code === 1 || result.timedOut) {
    const why = result.timedOut ? "timed out" : "exit 1";
    return { healthy: false, answer: truncate(`zookeeper-health ${why}: ${output}`) };
  }
  return {
    healthy: false,
    error: true,
    answer: truncate(`zookeeper-health exit ${result.code}: ${output}`),
  };
}

/**
 * Waits until `d` is healthy by `policy` (see the module doc); throws
 * {@linkcode HealthCheckError} `health check of <path> <n> failed after <s> s: <answer>`.
 */
export async function waitHealthy(
  o: HealthOptions,
  d: Deployment,
  policy: RolloutPolicy,
): Promise<void> {
  const script = await hasHealthScript(o.root, d);
  const url = policy.healthUrl;
  if (url === null && !script) return;
  if (url !== null) {
    const problem = healthUrlProblem(url);
    if (problem !== undefined) {
      throw new HealthCheckError(`Refusing to check ${d.path}: ${problem}`);
    }
  }
  const started = Date.now();
  const deadline = started + policy.healthyDeadline * 1000;
  o.onStart?.(deadline);
  o.logger.info(
    `Checking health of ${d.path} ${d.n} (healthy for ${policy.minHealthyTime} s within ` +
      `${policy.healthyDeadline} s)`,
  );
  let healthySince: number | null = null;
  let last = "";
  for (;;) {
    if (o.signal?.aborted) {
      // The agent is closing: no failure (no ALL STOP); the version is deployed again later.
      throw new StoreError("CLOSED", "stopped waiting for the health check", d.path);
    }
    const probes: Probe[] = [];
    if (url !== null) probes.push(await probeUrl(url, o.signal));
    if (script) probes.push(await probeScript(o, d));
    const now = Date.now();
    const bad = probes.find((p) => !p.healthy);
    const failed = (answer: string) =>
      new HealthCheckError(
        `health check of ${d.path} ${d.n} failed after ${
          Math.round((now - started) / 1000)
        } s: ${answer}`,
      );
    if (bad?.error) throw failed(bad.answer);
    if (bad === undefined) {
      healthySince ??= now;
      if (now - healthySince >= policy.minHealthyTime * 1000) {
        o.logger.info(`Healthy: ${d.path} ${d.n}`);
        return;
      }
    } else {
      healthySince = null;
      last = bad.answer;
    }
    if (now >= deadline) {
      throw failed(
        bad === undefined || last === ""
          ? `healthy for ${Math.round((now - (healthySince ?? now)) / 1000)} s only, ` +
            `${policy.minHealthyTime} s needed`
          : last,
      );
    }
    await sleep(Math.min(POLL_MS, Math.max(0, deadline - now)), o.signal);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
