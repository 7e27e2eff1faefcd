/**
 * Which volumes of an application a migrate must never overwrite: named volumes labelled
 * `com.github.mlfmonde.cluster.nonmigrable` = `true` or `1` (any case) in its compose file.
 *
 * @module
 */
import YAML from "yaml";

/** The label that marks a volume non-migrable. */
export const NON_MIGRABLE_LABEL = "com.github.mlfmonde.cluster.nonmigrable";

/** The non-migrable volumes (`<project>_<volume>`) of compose text; `where` names the file. */
export function nonMigrableVolumes(text: string, project: string, where: string): string[] {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (error) {
    throw new Error(`${where}: not valid YAML: ${(error as Error).message}`);
  }
  const volumes = record(record(doc, where)?.volumes, `${where}: volumes`) ?? {};
  const found: string[] = [];
  for (const [name, spec] of Object.entries(volumes)) {
    const labels = labelsOf(record(spec, `${where}: volumes.${name}`)?.labels);
    if (/^(true|1)$/i.test(labels[NON_MIGRABLE_LABEL]?.trim() ?? "")) {
      found.push(`${project}_${name}`);
    }
  }
  return found;
}

function record(value: unknown, where: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new Error(`${where}: expected a mapping`);
  }
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
