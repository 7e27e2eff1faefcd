/**
 * What an app node's rollout policy may say (issue 18): the properties `max_parallel`,
 * `canary`, `health_url`, `min_healthy_time` and `healthy_deadline`. Pure checks of one value
 * each, used by `sync`, `tree validate` and `tree import` through `safe_values.ts` (with
 * file:line:col) and by the agent before it acts (`lib/agent/rollout_policy.ts`), since the tree
 * may come from another tool.
 *
 * - `max_parallel`: a whole number ≥ 1 (at most {@linkcode MAX_PARALLEL_LIMIT});
 * - `canary`: a whole number ≥ 0 (at most {@linkcode MAX_PARALLEL_LIMIT});
 * - `min_healthy_time`, `healthy_deadline`: whole seconds, ≥ 0 and ≥ 1, at most 86 400;
 * - `health_url`: `http://` or `https://`, a host, no whitespace or control characters, at most
 *   2 000 characters.
 *
 * @module
 */
import type { Properties, Value } from "./model.ts";
import { formatValue } from "./value.ts";

/** The rollout policy's property names, in the order they are shown. */
export const ROLLOUT_PROPERTIES = [
  "max_parallel",
  "canary",
  "health_url",
  "min_healthy_time",
  "healthy_deadline",
] as const;

/** One rollout property's name. */
export type RolloutProperty = typeof ROLLOUT_PROPERTIES[number];

/** The largest `max_parallel` or `canary` accepted. */
export const MAX_PARALLEL_LIMIT = 10_000;
/** The longest time (seconds) `min_healthy_time` and `healthy_deadline` may say. */
export const MAX_SECONDS = 86_400;
/** The longest `health_url` accepted. */
export const MAX_URL_LENGTH = 2_000;

function wholeNumber(name: string, value: Value, min: number, max: number): string | undefined {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    return `${name} ${formatValue(value)} must be a whole number from ${min} to ${max}`;
  }
  return undefined;
}

/** Why `value` is not an acceptable `health_url`, or undefined. */
export function healthUrlProblem(value: Value): string | undefined {
  const shown = formatValue(value);
  if (typeof value !== "string") return `health_url ${shown} must be a string`;
  if (value.length > MAX_URL_LENGTH) {
    return `health_url longer than ${MAX_URL_LENGTH} characters`;
  }
  // deno-lint-ignore no-control-regex
  if (/[\s\u0000-\u001f\u007f-\u009f]/.test(value)) {
    return `health_url ${shown} holds whitespace or a control character`;
  }
  if (!/^https?:\/\//.test(value)) return `health_url ${shown} must start with http:// or https://`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `health_url ${shown} is not a URL`;
  }
  if (url.hostname === "") return `health_url ${shown} names no host`;
  if (url.username !== "" || url.password !== "") {
    return `health_url ${shown} must not hold a user name or password`;
  }
  return undefined;
}

/** Why `value` is not acceptable for the rollout property `name`, or undefined. */
export function rolloutValueProblem(name: RolloutProperty, value: Value): string | undefined {
  switch (name) {
    case "max_parallel":
      return wholeNumber(name, value, 1, MAX_PARALLEL_LIMIT);
    case "canary":
      return wholeNumber(name, value, 0, MAX_PARALLEL_LIMIT);
    case "min_healthy_time":
      return wholeNumber(name, value, 0, MAX_SECONDS);
    case "healthy_deadline":
      return wholeNumber(name, value, 1, MAX_SECONDS);
    case "health_url":
      return healthUrlProblem(value);
  }
}

/** The rollout properties an app node has (only those present), as written. */
export function rolloutProperties(properties: Properties): Partial<Record<RolloutProperty, Value>> {
  const found: Partial<Record<RolloutProperty, Value>> = {};
  for (const name of ROLLOUT_PROPERTIES) {
    if (name in properties) found[name] = properties[name];
  }
  return found;
}

/** Every problem of an app node's rollout properties, each with the property it is about. */
export function rolloutProblems(
  properties: Partial<Record<string, Value>>,
): { name: RolloutProperty; problem: string }[] {
  const problems: { name: RolloutProperty; problem: string }[] = [];
  for (const name of ROLLOUT_PROPERTIES) {
    if (!(name in properties)) continue;
    const problem = rolloutValueProblem(name, properties[name] as Value);
    if (problem !== undefined) problems.push({ name, problem });
  }
  return problems;
}
