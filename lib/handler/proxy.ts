/**
 * Proxy configuration fragments carried by the services: Caddy site addresses (the URLs served)
 * and HAProxy backends.
 *
 * @module
 */

/**
 * The site addresses of a Caddyfile fragment: the words before each top-level `{`, split on
 * commas and spaces (`https://a.example.com, http://b.example.com {`).
 */
export function caddyUrls(caddyfile: string): string[] {
  const urls: string[] = [];
  let depth = 0;
  let keys = "";
  for (const raw of caddyfile.split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    if (line === "") continue;
    if (depth === 0) {
      keys += " " + line;
      if (line.endsWith("{")) {
        urls.push(...keys.slice(0, keys.lastIndexOf("{")).split(/[\s,]+/).filter((k) => k));
        keys = "";
        depth = 1;
      } else if (!line.endsWith(",")) {
        keys = "";
      }
      continue;
    }
    depth += (line.match(/\{/g) ?? []).length - (line.match(/\}/g) ?? []).length;
    if (depth < 0) depth = 0;
  }
  return urls;
}

/**
 * Merges the services' HAPROXY configurations (`{<frontend>: {frontend?, backends: [...]}}`):
 * each backend gets the `ct` of its container; frontends met twice have their backends joined.
 */
export function mergeHaproxy(configs: Array<[string, unknown]>): Record<string, unknown> {
  const result: Record<string, { backends: unknown[]; [k: string]: unknown }> = {};
  for (const [container, config] of configs) {
    if (config === null || typeof config !== "object") continue;
    for (const [key, value] of Object.entries(config as Record<string, unknown>)) {
      const conf = { ...(value as Record<string, unknown>) };
      const backends = Array.isArray(conf.backends) ? conf.backends : [];
      conf.backends = backends.map((b) => ({ ...(b as Record<string, unknown>), ct: container }));
      if (result[key] === undefined) {
        result[key] = conf as { backends: unknown[] };
      } else {
        result[key].backends.push(...(conf.backends as unknown[]));
      }
    }
  }
  return result;
}
