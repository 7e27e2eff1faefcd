/**
 * What the handler needs from an application's `docker-compose.yml`: services, the volumes that
 * replicate (buttervolume named volumes), container names, URLs and proxy fragments.
 *
 * @module
 */
import YAML from "yaml";
import { caddyUrls, mergeHaproxy } from "./proxy.ts";

/** The volume driver whose named volumes are snapshotted and replicated. */
export const BUTTERVOLUME_DRIVER = "anybox/buttervolume:latest";

/** Facts read from a compose file. */
export interface ComposeFacts {
  /** Service names, in file order. */
  services: string[];
  /** Replicated volumes, `<project>_<volume>`, in file order. */
  volumes: string[];
  /** Service → container name (`<project>_<service>_1`). */
  ct: Record<string, string>;
  /** URLs served: caddy site addresses, then `CONSUL_CHECK_URLS`. */
  urls: string[];
  /** Host names of the URLs. */
  domains: string[];
  /** The services' `CADDYFILE` fragments, `$CONTAINER` replaced, joined. */
  caddyfile: string;
  /** The services' `HAPROXY` configurations merged, each backend given its container `ct`. */
  haproxy: Record<string, unknown>;
}

/** Reads compose text; `where` names the file in errors. */
export function parseCompose(
  text: string,
  project: string,
  where: string,
  driver: string = BUTTERVOLUME_DRIVER,
): ComposeFacts {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (error) {
    throw new Error(`${where}: not valid YAML: ${(error as Error).message}`);
  }
  const root = asRecord(doc, `${where}: expected a mapping at the top`);
  const servicesNode = asRecord(root.services ?? {}, `${where}: services: expected a mapping`);
  const services = Object.keys(servicesNode);
  const volumesNode = asRecord(root.volumes ?? {}, `${where}: volumes: expected a mapping`);
  const volumes = Object.entries(volumesNode)
    .filter(([, v]) => (v as Record<string, unknown> | null)?.driver === driver)
    .map(([name]) => `${project}_${name}`);
  const ct: Record<string, string> = {};
  const caddy: string[] = [];
  const urls: string[] = [];
  const haproxy: Array<[string, unknown]> = [];
  for (const service of services) {
    const container = `${project}_${service}_1`;
    ct[service] = container;
    const env = environment(servicesNode[service], `${where}: services.${service}.environment`);
    if (env.CADDYFILE !== undefined) {
      const fragment = env.CADDYFILE.replaceAll("$CONTAINER", container).trim();
      caddy.push(fragment);
      urls.push(...caddyUrls(fragment));
    }
    if (env.CONSUL_CHECK_URLS !== undefined) {
      const extra = YAML.parse(env.CONSUL_CHECK_URLS);
      if (!Array.isArray(extra)) {
        throw new Error(`${where}: services.${service}: CONSUL_CHECK_URLS: expected a list`);
      }
      urls.push(...extra.map(String));
    }
    if (env.HAPROXY !== undefined) {
      haproxy.push([container, YAML.parse(env.HAPROXY)]);
    }
  }
  const unique = [...new Set(urls)];
  return {
    services,
    volumes,
    ct,
    urls: unique,
    domains: [...new Set(unique.map(hostOf).filter((h) => h !== ""))],
    caddyfile: caddy.join("\n"),
    haproxy: mergeHaproxy(haproxy),
  };
}

function hostOf(url: string): string {
  try {
    return new URL(url.includes("://") ? url : `http://${url}`).host;
  } catch {
    return "";
  }
}

function asRecord(value: unknown, message: string): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new Error(message);
  }
  return value as Record<string, unknown>;
}

/** A service's environment as a map, from either the mapping or the `KEY=VALUE` list form. */
function environment(service: unknown, where: string): Record<string, string> {
  const env = (service as Record<string, unknown> | null)?.environment;
  if (env === undefined || env === null) return {};
  if (Array.isArray(env)) {
    const out: Record<string, string> = {};
    for (const item of env) {
      const text = String(item);
      const eq = text.indexOf("=");
      if (eq > 0) out[text.slice(0, eq)] = text.slice(eq + 1);
    }
    return out;
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(asRecord(env, `${where}: expected a mapping or a list`))) {
    if (v !== null && v !== undefined) out[k] = String(v);
  }
  return out;
}
