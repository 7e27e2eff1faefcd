/**
 * The HTTP side of `serve`: routing, HTTP basic auth (the token as the password) and the
 * headers every answer carries (a strict Content-Security-Policy, no sniffing, no caching of
 * data). Every route only reads: a method other than GET or HEAD is refused with 405.
 *
 * | route            | answer                                                            |
 * | ---------------- | ----------------------------------------------------------------- |
 * | `/`              | the overview page                                                 |
 * | `/apps`          | the apps page (with `--consul`; 404 without)                      |
 * | `/history`       | the history page: each rollout record with its timeline           |
 * | `/assets/<file>` | the pages' CSS and JavaScript (embedded, see `assets.ts`)         |
 * | `/api/status`    | the status document, as `status --json` prints it                 |
 * | `/api/events`    | server-sent events: `status` and `history` documents as they change |
 * | `/api/history`   | the history document, as `history --json` prints it               |
 * | `/api/history/<id>` | one record (id or commit prefix), as `history show <id> --json` |
 * | `/api/apps`      | the `app/<name>` records from Consul (with `--consul`)            |
 * | `/api/info`      | what this server offers (`apps`, `history`), for the pages        |
 *
 * @module
 */
import { ASSETS, PAGES } from "./assets.ts";
import { eventStream, type StatusFeed } from "./status_feed.ts";
import { readStatusDocument } from "../status_document.ts";
import type { Store } from "../../store/types.ts";
import { type AppsReader } from "./apps.ts";
import { message } from "../../error_message.ts";
import { readHistoryDocument, readHistoryEntryDocument } from "../history_document.ts";

/** What may follow `/api/history/`: a record id or a commit prefix. */
const HISTORY_ID = /^[0-9A-Za-z]{1,64}$/;

async function historyEntry(store: Store, id: string): Promise<Response> {
  if (!HISTORY_ID.test(id)) return json({ error: "expected a record id or a commit prefix" }, 400);
  let lookup;
  try {
    lookup = await readHistoryEntryDocument(store, id);
  } catch (error) {
    return json({ error: `reading the store failed: ${message(error)}` }, 503);
  }
  if ("found" in lookup) return json(lookup.found);
  return "none" in lookup
    ? json({ error: lookup.none }, 404)
    : json({ error: lookup.ambiguous }, 400);
}

/** The Content-Security-Policy of every answer. */
export const CSP = "default-src 'self'; base-uri 'none'; form-action 'none'; " +
  "frame-ancestors 'none'; object-src 'none'";

/** What the handler serves from. */
export interface ServerContext {
  /** The store (`/api/status` reads it afresh). */
  store: Store;
  /** The one live feed every event stream subscribes to. */
  feed: StatusFeed;
  /** Reads the apps from Consul; undefined without `--consul`. */
  apps?: AppsReader;
  /** Aborted when the server stops: ends the event streams. */
  closing?: AbortSignal;
  /** The token browsers must give as the basic-auth password; undefined: no auth (loopback). */
  token?: string;
}

const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

function answer(body: BodyInit | null, status: number, headers: Record<string, string>): Response {
  return new Response(body, { status, headers: { ...SECURITY_HEADERS, ...headers } });
}

function json(value: unknown, status = 200): Response {
  return answer(JSON.stringify(value), status, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
  });
}

function text(body: string, status: number, extra: Record<string, string> = {}): Response {
  return answer(body + "\n", status, { "content-type": "text/plain; charset=utf-8", ...extra });
}

/** Equal strings, compared in time independent of where they differ. */
function sameSecret(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** Whether `request` carries HTTP basic auth with `token` as the password (any user name). */
export function authorized(request: Request, token: string): boolean {
  const header = request.headers.get("authorization") ?? "";
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header.trim());
  if (match === null) return false;
  let decoded: string;
  try {
    decoded = new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(atob(match[1]), (c) => c.charCodeAt(0)),
    );
  } catch {
    return false;
  }
  const colon = decoded.indexOf(":");
  return colon >= 0 && sameSecret(decoded.slice(colon + 1), token);
}

/** The request handler of `serve`. */
export function makeHandler(ctx: ServerContext): (request: Request) => Promise<Response> {
  return async (request) => {
    if (ctx.token !== undefined && !authorized(request, ctx.token)) {
      return text("authentication required", 401, {
        "www-authenticate": 'Basic realm="clusterdeploy", charset="UTF-8"',
      });
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      return text("read-only: only GET and HEAD", 405, { allow: "GET, HEAD" });
    }
    const path = new URL(request.url).pathname;
    const page = PAGES[path];
    if (page !== undefined && (page.needsApps !== true || ctx.apps !== undefined)) {
      return answer(page.body, 200, { "content-type": page.type, "cache-control": "no-cache" });
    }
    const asset = path.startsWith("/assets/") ? ASSETS[path.slice("/assets/".length)] : undefined;
    if (asset !== undefined) {
      return answer(asset.body, 200, { "content-type": asset.type, "cache-control": "no-cache" });
    }
    if (path.startsWith("/api/history/")) {
      return await historyEntry(ctx.store, path.slice("/api/history/".length));
    }
    switch (path) {
      case "/api/history":
        try {
          return json(await readHistoryDocument(ctx.store));
        } catch (error) {
          return json({ error: `reading the store failed: ${message(error)}` }, 503);
        }
      case "/api/status":
        try {
          return json(await readStatusDocument(ctx.store));
        } catch (error) {
          return json({ error: `reading the store failed: ${message(error)}` }, 503);
        }
      case "/api/events":
        return answer(eventStream(ctx.feed, ctx.closing), 200, {
          "content-type": "text/event-stream; charset=utf-8",
          "cache-control": "no-store",
          "x-accel-buffering": "no",
        });
      case "/api/info":
        return json({ apps: ctx.apps !== undefined, history: true });
      case "/api/apps":
        if (ctx.apps === undefined) break;
        try {
          return json(await ctx.apps());
        } catch (error) {
          return json({ error: message(error) }, 502);
        }
    }
    return text("not found", 404);
  };
}
