/**
 * Collisions: a deploy whose Caddy sites another application already serves is refused; so is any
 * event about an application whose compose project is another application's.
 *
 * @module
 */
import { type AppIdentity, projectName } from "./app.ts";
import { caddyUrls } from "./proxy.ts";

/** A site address as compared: lowercased, without a trailing `/`. */
function normal(url: string): string {
  return url.toLowerCase().replace(/\/+$/, "");
}

/** The site addresses another application's stored document serves (its `caddyfile`). */
function servedBy(doc: unknown): string[] {
  const d = doc as { caddyfile?: unknown; urls?: unknown } | null;
  if (typeof d?.caddyfile === "string" && d.caddyfile.trim() !== "") {
    try {
      return caddyUrls(d.caddyfile);
    } catch { /* fall back to urls */ }
  }
  if (typeof d?.urls === "string") return d.urls.split(/[\s,]+/).filter((u) => u !== "");
  return [];
}

/**
 * The first of `urls` (the sites of application `name`) that another application of `apps`
 * (`app/<other>` key → stored document text) serves, as `<url> is already served by app <other>`;
 * undefined when none. Documents that are not JSON are skipped.
 */
export function urlCollision(
  name: string,
  urls: string[],
  apps: Array<{ key: string; value: string }>,
): string | undefined {
  const wanted = new Map(urls.map((u) => [normal(u), u]));
  for (const { key, value } of apps) {
    const other = key.slice(key.indexOf("/") + 1);
    if (other === name || other.includes("/")) continue;
    let doc: unknown;
    try {
      doc = JSON.parse(value);
    } catch {
      continue;
    }
    for (const url of servedBy(doc)) {
      const mine = wanted.get(normal(url));
      if (mine !== undefined) return `${mine} is already served by app ${other}`;
    }
  }
  return undefined;
}

/**
 * `its compose project <project> is also that of app <other>` when another application of `apps`
 * (`app/<name>` keys) has the compose project of `app` (names that differ only in characters
 * outside `[a-z0-9]`, e.g. the branches `feature/x` and `featurex`): they would share containers
 * and volumes. Undefined when none does.
 */
export function projectCollision(
  app: AppIdentity,
  apps: Array<{ key: string }>,
): string | undefined {
  for (const { key } of apps) {
    const other = key.slice(key.indexOf("/") + 1);
    if (other === app.name || projectName(other) !== app.project) continue;
    return `its compose project ${app.project} is also that of app ${other} ` +
      "(they would share containers and volumes)";
  }
  return undefined;
}
