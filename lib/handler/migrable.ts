/**
 * Which volumes of an application a migrate must never overwrite: named volumes labelled
 * `com.github.mlfmonde.cluster.nonmigrable` = `true` or `1` (any case) in its compose file.
 *
 * @module
 */
import { readComposeYaml } from "./compose.ts";

/** The label that marks a volume non-migrable. */
export const NON_MIGRABLE_LABEL = "com.github.mlfmonde.cluster.nonmigrable";

/**
 * The non-migrable volumes (`<project>_<volume>`) of compose text; `where` names the file in
 * errors, which are those of `parseCompose`: `compose file <path>: <line>:<col> <message>`
 * (`ComposeError`), with no YAML warning on stderr.
 */
export function nonMigrableVolumes(text: string, project: string, where: string): string[] {
  const { top, node, fail } = readComposeYaml(text, where);
  const volumes = mapping(top.volumes, () => fail("volumes: expected a mapping", node("volumes")));
  const found: string[] = [];
  for (const [name, spec] of Object.entries(volumes)) {
    const conf = mapping(
      spec,
      () => fail(`volumes.${name}: expected a mapping`, node("volumes", name)),
    );
    if (/^(true|1)$/i.test(labelsOf(conf.labels)[NON_MIGRABLE_LABEL]?.trim() ?? "")) {
      found.push(`${project}_${name}`);
    }
  }
  return found;
}

/** `value` as a mapping (absent or null: empty); `fail` otherwise. */
function mapping(value: unknown, fail: () => never): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) fail();
  return value as Record<string, unknown>;
}

/** Labels in the mapping or the `key=value` list form. */
function labelsOf(labels: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(labels)) {
    for (const item of labels) {
      const text = String(item);
      const eq = text.indexOf("=");
      if (eq > 0) out[text.slice(0, eq)] = text.slice(eq + 1);
    }
  } else if (labels !== null && typeof labels === "object") {
    for (const [k, v] of Object.entries(labels)) out[k] = String(v);
  }
  return out;
}
