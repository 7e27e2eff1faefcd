/**
 * Which volumes of an application a migrate must never overwrite: named volumes labelled
 * `com.github.mlfmonde.cluster.nonmigrable` = `true` or `1` (any case) in its compose file.
 *
 * @module
 */
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
    if (/^(true|1)$/i.test(labels[NON_MIGRABLE_LABEL]?.trim() ?? "")) {
      found.push(`${project}_${name}`);
    }
  }
  return found;
}
