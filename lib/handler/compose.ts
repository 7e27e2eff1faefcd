/**
 * What the handler needs from an application's `docker-compose.yml`: services, the volumes that
 * replicate (buttervolume named volumes), container names, the Caddy sites with the directives the
 * front needs, health-check URLs and HAProxy frontends.
 *
 * @module
 */
import YAML, { LineCounter } from "yaml";
import {
  CaddyfileError,
  formatCaddyfile,
  parseCaddyfile,
  siteHost,
  withFrontDefaults,
} from "./caddyfile.ts";
import type { Site } from "./caddyfile.ts";
import { mergeHaproxy } from "./proxy.ts";
import { isProjectVolume } from "./values.ts";

import { BUTTERVOLUME_DRIVER } from "./defaults.ts";

/** Facts read from a compose file. */
export interface ComposeFacts {
  /** Service names, in file order. */
  services: string[];
  /** Replicated volumes, `<project>_<volume>`, in file order. */
  volumes: string[];
  /** Service → container name (`<project>_<service>_1`). */
  ct: Record<string, string>;
  /** The Caddy site addresses of all services, in order (the URLs the front serves). */
  urls: string[];
  /** The URLs the service registration checks: the site addresses, then `CONSUL_CHECK_URLS`. */
  checks: string[];
  /** The hosts of the site addresses, each once (each becomes an HAProxy backend). */
  domains: string[];
  /** The services' `CADDYFILE` sites, `$CONTAINER` replaced, front directives forced, printed. */
  caddyfile: string;
  /** The services' `HAPROXY` configurations merged, each backend given its container `ct`. */
  haproxy: Record<string, unknown>;
}

/** A compose file that cannot be used: `compose file <path>: <line>:<col> <message>`. */
export class ComposeError extends Error {
  /** Makes the error. */
  constructor(path: string, message: string, pos?: { line: number; col: number }) {
    super(`compose file ${path}: ${pos ? `${pos.line}:${pos.col} ` : ""}${message}`);
    this.name = "ComposeError";
  }
}

/** A compose file's YAML, read; see {@linkcode readComposeYaml}. */
export interface ComposeYaml {
  /** The parsed document (its nodes carry their positions). */
  doc: YAML.Document;
  /** Its top-level mapping as plain data. */
  top: Record<string, unknown>;
  /** The node at `path`, or the document's contents when there is none (for error positions). */
  node: (...path: string[]) => unknown;
  /** Throws the {@linkcode ComposeError} of `message` at `node`'s position. */
  fail: (message: string, node?: unknown) => never;
}

/**
 * Reads compose text as YAML, silently (no YAML warning on stderr); `where` names the file in
 * errors: `compose file <path>: <line>:<col> <message>` ({@linkcode ComposeError}).
 */
export function readComposeYaml(text: string, where: string): ComposeYaml {
  const lineCounter = new LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter, prettyErrors: false, logLevel: "silent" });
  const at = (offset: number | undefined) =>
    offset === undefined ? undefined : lineCounter.linePos(offset);
  const fail = (message: string, node?: unknown): never => {
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    throw new ComposeError(where, message, at(range?.[0]));
  };
  const error = doc.errors[0];
  if (error !== undefined) {
    const message = error.code === "RESOURCE_EXHAUSTION"
      ? "nested too deep"
      : error.message.split("\n")[0];
    fail(message, { range: error.pos });
  }
  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    fail(
      e instanceof RangeError ? "nested too deep" : (e as Error).message.split("\n")[0],
      unresolvedAlias(doc),
    );
  }
  const node = (...path: string[]) => doc.getIn(path, true) ?? doc.contents;
  const top = asRecord(root, () => fail("expected a mapping at the top", doc.contents));
  return { doc, top, node, fail };
}

/** Reads compose text; `where` names the file in errors ({@linkcode ComposeError}). */
export function parseCompose(
  text: string,
  project: string,
  where: string,
  driver: string = BUTTERVOLUME_DRIVER,
): ComposeFacts {
  const { top, node, fail } = readComposeYaml(text, where);
  const servicesNode = asRecord(
    top.services ?? {},
    () => fail("services: expected a mapping", node("services")),
  );
  const services = Object.keys(servicesNode);
  const volumesNode = asRecord(
    top.volumes ?? {},
    () => fail("volumes: expected a mapping", node("volumes")),
  );
  const volumes: string[] = [];
  for (const [name, conf] of Object.entries(volumesNode)) {
    if ((conf as Record<string, unknown> | null)?.driver !== driver) continue;
    if (!isProjectVolume(`${project}_${name}`, project)) {
      fail(
        `volumes: ${JSON.stringify(name)} is not a volume name (letters, digits, '_', '.', '-')`,
        node("volumes"),
      );
    }
    volumes.push(`${project}_${name}`);
  }
  const ct: Record<string, string> = {};
  const sites: Site[] = [];
  const extraChecks: string[] = [];
  const haproxy: Array<[string, unknown]> = [];
  for (const service of services) {
    const container = `${project}_${service}_1`;
    ct[service] = container;
    const envNode = () => node("services", service, "environment");
    const env = environment(
      servicesNode[service],
      () => fail(`services.${service}.environment: expected a mapping or a list`, envNode()),
    );
    const variable = `services.${service}.environment`;
    if (env.CADDYFILE !== undefined) {
      try {
        for (const site of parseCaddyfile(env.CADDYFILE.replaceAll("$CONTAINER", container))) {
          sites.push(site);
        }
      } catch (e) {
        if (!(e instanceof CaddyfileError)) throw e;
        fail(`${variable}.CADDYFILE: ${e.message}`, envNode());
      }
    }
    if (env.CONSUL_CHECK_URLS !== undefined) {
      const extra = yamlValue(env.CONSUL_CHECK_URLS);
      if (!Array.isArray(extra) || extra.some((u) => typeof u !== "string" || u === "")) {
        fail(`${variable}.CONSUL_CHECK_URLS: expected a list of URLs`, envNode());
      }
      for (const url of extra as string[]) extraChecks.push(url);
    }
    if (env.HAPROXY !== undefined) {
      const conf = yamlValue(env.HAPROXY);
      if (conf === null || typeof conf !== "object" || Array.isArray(conf)) {
        fail(`${variable}.HAPROXY: expected a mapping of frontends`, envNode());
      }
      haproxy.push([container, conf]);
    }
  }
  const urls = sites.flatMap((s) => s.keys);
  const seen = new Set<string>();
  const twice = urls.find((u) => seen.size === seen.add(u).size);
  if (twice !== undefined) fail(`the Caddy site ${twice} is declared twice`);
  return {
    services,
    volumes,
    ct,
    urls,
    checks: [...new Set([...urls, ...extraChecks])],
    domains: [...new Set(urls.map(siteHost).filter((h) => h !== ""))],
    caddyfile: formatCaddyfile(sites.map(withFrontDefaults)),
    haproxy: mergeHaproxy(haproxy),
  };
}

/**
 * The first alias of the document whose anchor is not defined before it, if any: one walk in
 * document order, remembering the anchors met (linear; resolving each alias would search the
 * document again for each one).
 */
function unresolvedAlias(doc: YAML.Document): unknown {
  const anchors = new Set<string>();
  let found: unknown;
  YAML.visit(doc, (_, node) => {
    if (YAML.isAlias(node)) {
      if (anchors.has(node.source)) return;
      found = node;
      return YAML.visit.BREAK;
    }
    const anchor = (node as { anchor?: string } | null)?.anchor;
    if (anchor) anchors.add(anchor);
  });
  return found;
}

/** A YAML (or JSON) value held in an environment variable; undefined when it does not parse. */
function yamlValue(text: string): unknown {
  const doc = YAML.parseDocument(text, { prettyErrors: false, logLevel: "silent" });
  if (doc.errors.length > 0) return undefined;
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch {
    return undefined;
  }
}

/** `value` as a mapping; `fail` when it is not one. */
export function asRecord(value: unknown, fail: () => never): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) fail();
  return value as Record<string, unknown>;
}

/**
 * Compose's key/value form (an environment, labels) as a map, from either the mapping (null
 * values left out) or the `KEY=VALUE` list form; undefined when `value` is neither.
 */
export function keyValues(value: unknown): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  if (Array.isArray(value)) {
    for (const item of value) {
      const text = String(item);
      const eq = text.indexOf("=");
      if (eq > 0) out[text.slice(0, eq)] = text.slice(eq + 1);
    }
    return out;
  }
  if (value === null || typeof value !== "object") return undefined;
  for (const [k, v] of Object.entries(value)) {
    if (v !== null && v !== undefined) out[k] = String(v);
  }
  return out;
}

/** A service's environment as a map ({@linkcode keyValues}); `fail` when it is neither form. */
function environment(service: unknown, fail: () => never): Record<string, string> {
  const env = (service as Record<string, unknown> | null)?.environment;
  if (env === undefined || env === null) return {};
  return keyValues(env) ?? fail();
}
