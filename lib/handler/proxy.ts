/**
 * Proxy configuration fragments carried by the services: Caddy site addresses (the URLs served)
 * and HAProxy frontends.
 *
 * @module
 */
import { parseCaddyfile } from "./caddyfile.ts";

/** The site addresses of a Caddyfile fragment (`https://a.example.com, http://b.example.com {`). */
export function caddyUrls(caddyfile: string): string[] {
  return parseCaddyfile(caddyfile).flatMap((site) => site.keys);
}

/** The items of both lists, each once, in the order first met. */
function union(a: unknown, b: unknown): unknown[] {
  const out: unknown[] = [];
  const seen = new Set<string>();
  for (const item of [...(Array.isArray(a) ? a : []), ...(Array.isArray(b) ? b : [])]) {
    const key = JSON.stringify(item);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(item);
  }
  return out;
}

/**
 * Merges the services' HAPROXY configurations (`{<frontend>: {frontend?, backends: [...]}}`):
 * each backend gets the `ct` of its container; a frontend several services declare is one
 * frontend: backends joined, `bind` and `options` united (each once), its other settings from the
 * first service that gives them.
 */
export function mergeHaproxy(configs: Array<[string, unknown]>): Record<string, unknown> {
  const result: Record<string, { backends: unknown[]; frontend?: Record<string, unknown> }> = {};
  for (const [container, config] of configs) {
    if (config === null || typeof config !== "object" || Array.isArray(config)) continue;
    for (const [key, value] of Object.entries(config as Record<string, unknown>)) {
      const conf = { ...(value as Record<string, unknown>) };
      const backends = (Array.isArray(conf.backends) ? conf.backends : [])
        .map((b) => ({ ...(b as Record<string, unknown>), ct: container }));
      const frontend = conf.frontend !== null && typeof conf.frontend === "object"
        ? { ...(conf.frontend as Record<string, unknown>) }
        : undefined;
      const merged = result[key];
      if (merged === undefined) {
        result[key] = { ...conf, ...(frontend ? { frontend } : {}), backends };
        continue;
      }
      for (const backend of backends) merged.backends.push(backend);
      if (frontend === undefined) continue;
      if (merged.frontend === undefined) {
        merged.frontend = frontend;
        continue;
      }
      const into = merged.frontend;
      for (const [k, v] of Object.entries(frontend)) {
        if (k === "bind" || k === "options") into[k] = union(into[k], v);
        else if (!(k in into)) into[k] = v;
      }
    }
  }
  return result;
}
