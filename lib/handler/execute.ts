/**
 * Performs planned steps in order through {@linkcode Effects}, logging each, stopping at the
 * first failure.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { Effects } from "./effects.ts";
import { describeConsul, describeProjectEnv, describeRun, describeWait } from "./effects.ts";
import { engineNonMigrable, NON_MIGRABLE_LABEL } from "./migrable.ts";
import { inspectVolume, restore } from "./step_builders.ts";
import type { Arg, MigrableRestoreStep, Step } from "./steps.ts";
import { argText } from "./steps.ts";
import { message } from "../error_message.ts";

/** How a run of steps ended. */
export type Outcome =
  | { ok: true }
  | { ok: false; step: string; message: string };

/** Options of {@linkcode execute}. */
export interface ExecuteOptions {
  /** Performs the effects. */
  effects: Effects;
  /** Logs each step. */
  logger: Logger;
  /** Consul URL, for describing calls in logs. */
  consulUrl: string;
  /** Test mode: missing step outputs become `<name>` placeholders instead of errors. */
  placeholders: boolean;
}

/** Runs the steps in order; the first failure stops the run (after its `onFailure` steps). */
export async function execute(steps: readonly Step[], options: ExecuteOptions): Promise<Outcome> {
  const outputs = new Map<string, string>();
  for (const step of steps) {
    const outcome = await perform(step, outputs, options);
    if (outcome.ok) continue;
    options.logger.error(`Step failed: ${outcome.step}: ${outcome.message}`);
    if ("onFailure" in step && step.onFailure) {
      for (const fallback of step.onFailure) {
        const result = await perform(fallback, outputs, options);
        if (!result.ok) options.logger.error(`Also failed: ${result.step}: ${result.message}`);
      }
    }
    return outcome;
  }
  return { ok: true };
}

async function perform(
  step: Step,
  outputs: Map<string, string>,
  o: ExecuteOptions,
): Promise<Outcome> {
  if (step.kind === "note") {
    if (step.level === "warning") o.logger.warning(step.message);
    else o.logger.info(step.message);
    return { ok: true };
  }
  if (step.kind === "consul") {
    const text = describeConsul(step.call, o.consulUrl)[0];
    logStep(o, `Consul: ${text}`);
    try {
      await o.effects.consul(step.call);
      return { ok: true };
    } catch (error) {
      return { ok: false, step: text, message: message(error) };
    }
  }
  if (step.kind === "wait-transfer") {
    const text = describeWait(step.name, step.eventId, o.consulUrl);
    try {
      await o.effects.waitTransfer(step.name, step.eventId);
      o.logger.info(`Transfer of ${step.name} received`);
      return { ok: true };
    } catch (error) {
      return { ok: false, step: text, message: message(error) };
    }
  }
  if (step.kind === "project-env") {
    const text = describeProjectEnv(step.dir, step.project);
    logStep(o, text);
    try {
      await o.effects.projectEnv(step.dir, step.project);
      return { ok: true };
    } catch (error) {
      return { ok: false, step: text, message: message(error) };
    }
  }
  if (step.kind === "restore-migrable") return await restoreMigrable(step, outputs, o);
  let argv: string[];
  try {
    argv = step.argv.map((arg) => resolve(arg, outputs, o.placeholders));
  } catch (error) {
    return {
      ok: false,
      step: describeRun(step.argv.map(argText), step.cwd),
      message: message(error),
    };
  }
  const text = describeRun(argv, step.cwd);
  logStep(o, `Running: ${text}`);
  const result = await o.effects.run(argv, step.cwd);
  if (result.stdout.trim() !== "") o.logger.debug(result.stdout.trim());
  if (result.code !== 0) {
    const detail = result.stderr.trim() || result.stdout.trim();
    const why = result.timedOut ? "timed out" : `exit status ${result.code}`;
    return { ok: false, step: text, message: detail ? `${why}: ${detail}` : why };
  }
  if (step.saveAs !== undefined) outputs.set(step.saveAs, result.stdout.trim());
  return { ok: true };
}

/** Logs a step about to be performed (debug only in test mode, where the transcript shows it). */
function logStep(o: ExecuteOptions, message: string) {
  if (o.placeholders) o.logger.debug(message);
  else o.logger.info(message);
}

function resolve(arg: Arg, outputs: Map<string, string>, placeholders: boolean): string {
  if (typeof arg === "string") return arg;
  const value = outputs.get(arg.output);
  if (value !== undefined && value !== "") return value;
  if (placeholders) return `<${arg.output}>`;
  throw new Error(`no value for <${arg.output}>: the step that gives it printed nothing`);
}

/**
 * Asks the engine for the target volume's labels, then restores the source into it unless it is
 * labelled non-migrable there (or, for a volume that does not exist yet, in the compose file).
 */
async function restoreMigrable(
  step: MigrableRestoreStep,
  outputs: Map<string, string>,
  o: ExecuteOptions,
): Promise<Outcome> {
  const inspect = inspectVolume(step.target);
  const argv = inspect.argv as string[];
  const text = describeRun(argv);
  logStep(o, `Running: ${text}`);
  let kept: boolean;
  try {
    kept = engineNonMigrable(await o.effects.run(argv)) ?? step.composeNonMigrable;
  } catch (error) {
    return { ok: false, step: text, message: message(error) };
  }
  if (!kept) return await perform(restore(step.source, step.target), outputs, o);
  o.logger.info(
    `Kept ${step.target}: labelled ${NON_MIGRABLE_LABEL}, not overwritten by ${step.source}`,
  );
  return { ok: true };
}
