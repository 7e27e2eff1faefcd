/**
 * The Apps page's data: each `app/<name>` record in Consul's KV store (what the handler wrote:
 * master, slave, urls, deploy_id) and whether `maintenance/<name>` puts it in maintenance.
 * Every value is checked as the handler checks it (node names, event IDs); a value that does
 * not pass is not shown as such but reported as a problem of its record. The page shows all of
 * it as text.
 *
 * @module
 */
import type { ConsulApi } from "../../handler/consul.ts";
import { isEventId, isNodeName, shown } from "../../handler/values.ts";

/** One application, as the Apps page shows it. */
export interface AppView {
  /** The application's name (the key below `app/`). */
  name: string;
  /** The node running it, or null. */
  master: string | null;
  /** The node receiving its snapshots, or null. */
  slave: string | null;
  /** The Caddy site addresses it serves (one string), or null. */
  urls: string | null;
  /** The event ID of its deployment, or null. */
  deploy_id: string | null;
  /** Whether `maintenance/<name>` is set. */
  maintenance: boolean;
  /** The node and message of the last failure recorded in the document, if any. */
  error: string | null;
  /** What is wrong with the record (a field that is not what the handler writes). */
  problems: string[];
}

/** Reads every application (see {@linkcode readApps}). */
export type AppsReader = () => Promise<AppView[]>;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;
const MAX_TEXT = 4096;

/** Reads the apps from Consul's KV store, sorted by name. */
export async function readApps(consul: ConsulApi): Promise<AppView[]> {
  const [records, maintenance] = await Promise.all([
    consul.kvList("app/"),
    consul.kvList("maintenance/"),
  ]);
  const inMaintenance = new Set(maintenance.map((e) => e.key.slice("maintenance/".length)));
  const apps: AppView[] = [];
  for (const entry of records) {
    const name = entry.key.slice("app/".length);
    if (name.includes("/") || name === "") continue; // not an app record (app/x/y)
    apps.push(appView(name, entry.value, inMaintenance.has(name)));
  }
  return apps.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** One record's view: its checked fields and its problems. */
export function appView(name: string, value: string, maintenance: boolean): AppView {
  const problems: string[] = [];
  if (!NAME.test(name)) problems.push(`the key app/${shown(name)} is not an application name`);
  let doc: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(value);
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) doc = parsed;
    else problems.push("the record is not a JSON object");
  } catch {
    problems.push("the record is not JSON");
  }
  const field = (key: string, ok: (v: unknown) => boolean): string | null => {
    const v = doc[key];
    if (v === undefined || v === null) return null;
    if (ok(v)) return v as string;
    problems.push(`field ${key}: not what the handler writes: ${shown(v)}`);
    return null;
  };
  const isText = (v: unknown) => typeof v === "string" && v.length <= MAX_TEXT;
  const error = doc.error as Record<string, unknown> | undefined;
  const errorText = error && typeof error === "object"
    ? `${String(error.node ?? "?")}: ${String(error.message ?? "")}`.slice(0, MAX_TEXT)
    : null;
  return {
    name,
    master: field("master", isNodeName),
    slave: field("slave", isNodeName),
    urls: field("urls", isText),
    deploy_id: field("deploy_id", isEventId),
    maintenance,
    error: errorText,
    problems,
  };
}
