/**
 * Which volumes of an application a migrate must never overwrite: volumes labelled
 * `com.github.mlfmonde.cluster.nonmigrable` = `true` or `1` (any case) — on the engine's volume
 * (`docker volume inspect`, as the reference asks Docker), or in the compose file for a volume
 * that does not exist yet.
 *
 * @module
 */
import type { RunResult } from "../proc/types.ts";
import { asRecord, keyValues, readComposeYaml } from "./compose.ts";

/** The label that marks a volume non-migrable. */
export const NON_MIGRABLE_LABEL = "com.github.mlfmonde.cluster.nonmigrable";

/**
 * The non-migrable volumes (`<project>_<volume>`) of compose text; `where` names the file in
 * errors, which are those of `parseCompose`: `compose file <path>: <line>:<col> <message>`
 * (`ComposeError`), with no YAML warning on stderr.
 */
export function nonMigrableVolumes(text: string, project: string, where: string): string[] {
  const { top, node, fail } = readComposeYaml(text, where);
  const volumes = asRecord(
    top.volumes ?? {},
    () => fail("volumes: expected a mapping", node("volumes")),
  );
  const found: string[] = [];
  for (const [name, spec] of Object.entries(volumes)) {
    const conf = asRecord(
      spec ?? {},
      () => fail(`volumes.${name}: expected a mapping`, node("volumes", name)),
    );
    const labels = keyValues(conf.labels) ?? {};
    if (isNonMigrableValue(labels[NON_MIGRABLE_LABEL])) {
      found.push(`${project}_${name}`);
    }
  }
  return found;
}

/** Whether a label value marks a volume non-migrable: `true` or `1`, any case. */
function isNonMigrableValue(value: unknown): boolean {
  return typeof value === "string" && /^(true|1)$/i.test(value.trim());
}

/**
 * What `docker volume inspect VOL` says of the volume: true (labelled non-migrable), false (it
 * exists, not labelled), undefined when it does not exist (`No such volume`) or the answer is
 * empty (test mode prints the command and has no answer): the compose file then decides. Throws
 * on any other failure or an answer that is not the engine's JSON.
 */
export function engineNonMigrable(result: RunResult): boolean | undefined {
  const out = result.stdout.trim();
  if (result.code !== 0) {
    if (/no such volume/i.test(`${result.stderr}\n${out}`)) return undefined;
    const detail = result.stderr.trim() || out;
    throw new Error(`exit status ${result.code}${detail ? `: ${detail}` : ""}`);
  }
  if (out === "") return undefined;
  let labels: unknown;
  try {
    const parsed = JSON.parse(out);
    if (!Array.isArray(parsed) || parsed.length !== 1) throw new Error("not one volume");
    labels = (parsed[0] as { Labels?: unknown } | null)?.Labels;
  } catch (error) {
    throw new Error(`not the engine's description of one volume: ${(error as Error).message}`);
  }
  if (labels === null || labels === undefined) return false;
  if (typeof labels !== "object") throw new Error("not the engine's description of one volume");
  return isNonMigrableValue((labels as Record<string, unknown>)[NON_MIGRABLE_LABEL]);
}
