/**
 * A Consul HTTP API double for tests, on loopback (port 0), following Consul's documented API
 * for what the handler uses:
 *
 * - KV: `GET|PUT|DELETE /v1/kv/<key>` with base64 `Value` in GET answers, `?recurse`, `?keys`,
 *   `?raw`, `?cas=`, `?acquire=`/`?release=` with sessions; 404 for a missing key.
 * - Sessions: `PUT /v1/session/create|destroy/<id>|renew/<id>`, `GET /v1/session/info/<id>`.
 * - Agent: `PUT /v1/agent/service/register`, `PUT /v1/agent/service/deregister/<id>` (404 for an
 *   unknown ID), `GET /v1/agent/services`, `GET /v1/agent/members`, `GET /v1/agent/self`.
 * - Events: `PUT /v1/event/fire/<name>`, `GET /v1/event/list`.
 *
 * Several agents share the catalog: `agentUrl(node)` (`<url>/node/<node>`) is the HTTP address
 * of that node's agent (its own services and `agent/self`); KV, sessions and events are shared.
 *
 * @module
 */

/** A cluster member. */
export interface Member {
  /** Node name. */
  name: string;
  /** IP address. */
  addr: string;
}

/** A KV item as stored. */
export interface KvItem {
  /** Raw value. */
  value: Uint8Array;
  /** Flags. */
  flags: number;
  /** Create index. */
  createIndex: number;
  /** Modify index. */
  modifyIndex: number;
  /** Lock index. */
  lockIndex: number;
  /** Session holding the lock. */
  session?: string;
}

/** A request the double received. */
export interface RecordedRequest {
  /** The agent addressed. */
  agent: string;
  /** HTTP method. */
  method: string;
  /** Path, after the agent prefix, percent-decoded (e.g. `/v1/kv/app/x`). */
  path: string;
  /** Query string, without `?` (empty when none). */
  query: string;
  /** Body text. */
  body: string;
}

interface Session {
  ID: string;
  Name: string;
  Node: string;
  TTL: string;
  Behavior: string;
  LockDelay: string;
  CreateIndex: number;
}

/** The running double. */
export interface ConsulDouble {
  /** Base URL of the first member's agent (without `/v1`). */
  url: string;
  /** Base URL of a node's agent. */
  agentUrl(node: string): string;
  /** The KV store. */
  kv: Map<string, KvItem>;
  /** Every request, in order. */
  requests: RecordedRequest[];
  /** The services registered on a node's agent. */
  services(node: string): Record<string, Record<string, unknown>>;
  /** The sessions alive. */
  sessions: Map<string, Session>;
  /** A KV value as text, or undefined. */
  kvText(key: string): string | undefined;
  /** Stores a KV value (test setup), as text or as JSON. */
  kvSet(key: string, value: string | Record<string, unknown>): void;
  /** Stops the server. */
  close(): Promise<void>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function json(body: unknown, status = 200, index?: number): Response {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (index !== undefined) headers["X-Consul-Index"] = String(index);
  return new Response(JSON.stringify(body), { status, headers });
}

function text(body: string, status: number): Response {
  return new Response(body, { status, headers: { "content-type": "text/plain" } });
}

function base64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

/** Starts a double with these members (the first is the default agent). */
export function startConsulDouble(
  members: Member[] = [{ name: "node1", addr: "10.0.0.1" }],
): ConsulDouble {
  const kv = new Map<string, KvItem>();
  const sessions = new Map<string, Session>();
  const services = new Map<string, Record<string, Record<string, unknown>>>();
  const events: Array<Record<string, unknown>> = [];
  const requests: RecordedRequest[] = [];
  let index = 1;
  let ltime = 0;

  const releaseSession = (id: string) => {
    const session = sessions.get(id);
    sessions.delete(id);
    for (const [key, item] of kv) {
      if (item.session !== id) continue;
      if (session?.Behavior === "delete") kv.delete(key);
      else {
        delete item.session;
        item.modifyIndex = ++index;
      }
    }
  };

  const kvRoute = (method: string, key: string, q: URLSearchParams, body: Uint8Array) => {
    if (method === "GET") {
      const matches = q.has("recurse") || q.has("keys")
        ? [...kv.keys()].filter((k) => k.startsWith(key)).sort()
        : kv.has(key)
        ? [key]
        : [];
      if (matches.length === 0) return text("", 404);
      if (q.has("keys")) return json(matches, 200, index);
      if (q.has("raw")) return new Response(kv.get(key)!.value.slice());
      return json(
        matches.map((k) => {
          const item = kv.get(k)!;
          const out: Record<string, unknown> = {
            LockIndex: item.lockIndex,
            Key: k,
            Flags: item.flags,
            Value: item.value.length === 0 ? null : base64(item.value),
            CreateIndex: item.createIndex,
            ModifyIndex: item.modifyIndex,
          };
          if (item.session) out.Session = item.session;
          return out;
        }),
        200,
        index,
      );
    }
    if (method === "PUT") {
      const existing = kv.get(key);
      if (q.has("cas")) {
        const cas = Number(q.get("cas"));
        if (cas === 0 ? existing !== undefined : existing?.modifyIndex !== cas) return json(false);
      }
      const flags = Number(q.get("flags") ?? existing?.flags ?? 0);
      const item: KvItem = existing ?? {
        value: body,
        flags,
        createIndex: index + 1,
        modifyIndex: index + 1,
        lockIndex: 0,
      };
      const acquire = q.get("acquire");
      const release = q.get("release");
      if (acquire !== null) {
        if (!sessions.has(acquire)) {
          return text(`invalid session "${acquire}"`, 500);
        }
        if (item.session !== undefined && item.session !== acquire) return json(false);
        if (item.session === undefined) item.lockIndex++;
        item.session = acquire;
      }
      if (release !== null) {
        if (item.session !== release) return json(false);
        delete item.session;
      }
      item.value = body;
      item.flags = flags;
      item.modifyIndex = ++index;
      kv.set(key, item);
      return json(true);
    }
    if (method === "DELETE") {
      if (q.has("cas") && kv.get(key)?.modifyIndex !== Number(q.get("cas"))) return json(false);
      for (const k of [...kv.keys()]) {
        if (q.has("recurse") ? k.startsWith(key) : k === key) kv.delete(k);
      }
      index++;
      return json(true);
    }
    return text("method not allowed", 405);
  };

  const route = (
    agent: string,
    method: string,
    path: string,
    q: URLSearchParams,
    raw: Uint8Array,
  ) => {
    const body = () => JSON.parse(decoder.decode(raw) || "{}");
    if (path.startsWith("/v1/kv/")) return kvRoute(method, path.slice(7), q, raw);
    if (method === "PUT" && path === "/v1/session/create") {
      const b = body();
      const session: Session = {
        ID: crypto.randomUUID(),
        Name: b.Name ?? "",
        Node: b.Node ?? agent,
        TTL: b.TTL ?? "",
        Behavior: b.Behavior ?? "release",
        LockDelay: b.LockDelay ?? "15s",
        CreateIndex: ++index,
      };
      sessions.set(session.ID, session);
      return json({ ID: session.ID });
    }
    const sessionMatch = path.match(/^\/v1\/session\/(destroy|renew|info)\/(.+)$/);
    if (sessionMatch) {
      const [, op, id] = sessionMatch;
      if (op === "destroy" && method === "PUT") {
        releaseSession(id);
        return json(true);
      }
      const session = sessions.get(id);
      if (op === "renew" && method === "PUT") {
        return session ? json([session]) : text(`Session id '${id}' not found`, 404);
      }
      if (op === "info" && method === "GET") return json(session ? [session] : null);
    }
    if (method === "PUT" && path === "/v1/agent/service/register") {
      const b = body();
      if (typeof b.Name !== "string" || b.Name === "") return text("Missing service name", 400);
      const mine = services.get(agent) ?? {};
      mine[b.ID ?? b.Name] = b;
      services.set(agent, mine);
      return new Response(null, { status: 200 });
    }
    const dereg = path.match(/^\/v1\/agent\/service\/deregister\/(.+)$/);
    if (method === "PUT" && dereg) {
      const mine = services.get(agent) ?? {};
      if (!(dereg[1] in mine)) return text(`Unknown service ID "${dereg[1]}"`, 404);
      delete mine[dereg[1]];
      return new Response(null, { status: 200 });
    }
    if (method === "GET" && path === "/v1/agent/services") {
      const mine = services.get(agent) ?? {};
      return json(Object.fromEntries(
        Object.entries(mine).map(([id, s]) => [id, { ID: id, Service: s.Name, Tags: [] }]),
      ));
    }
    if (method === "GET" && path === "/v1/agent/members") {
      return json(members.map((m) => ({
        Name: m.name,
        Addr: m.addr,
        Port: 8301,
        Tags: { role: "node" },
        Status: 1,
      })));
    }
    if (method === "GET" && path === "/v1/agent/self") {
      const me = members.find((m) => m.name === agent);
      return json({
        Config: { Datacenter: "dc1", NodeName: agent },
        Member: { Name: agent, Addr: me?.addr ?? "127.0.0.1", Port: 8301, Status: 1 },
      });
    }
    const fire = path.match(/^\/v1\/event\/fire\/(.+)$/);
    if (method === "PUT" && fire) {
      const event = {
        ID: crypto.randomUUID(),
        Name: fire[1],
        Payload: raw.length === 0 ? null : base64(raw),
        NodeFilter: q.get("node") ?? "",
        ServiceFilter: q.get("service") ?? "",
        TagFilter: q.get("tag") ?? "",
        Version: 1,
        LTime: ++ltime,
      };
      events.push(event);
      return json(event);
    }
    if (method === "GET" && path === "/v1/event/list") {
      const name = q.get("name");
      return json(events.filter((e) => name === null || e.Name === name));
    }
    return text(`no such endpoint: ${method} ${path}`, 404);
  };

  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const url = new URL(request.url);
      let path = url.pathname;
      let agent = members[0]?.name ?? "node1";
      const prefix = path.match(/^\/node\/([^/]+)(\/.*)$/);
      if (prefix) {
        agent = decodeURIComponent(prefix[1]);
        path = prefix[2];
      }
      path = decodeURIComponent(path);
      const raw = new Uint8Array(await request.arrayBuffer());
      requests.push({
        agent,
        method: request.method,
        path,
        query: url.search.slice(1),
        body: decoder.decode(raw),
      });
      try {
        return route(agent, request.method, path, url.searchParams, raw);
      } catch (error) {
        return text(String(error), 400);
      }
    },
  );
  const url = `http://127.0.0.1:${server.addr.port}`;
  return {
    url,
    agentUrl: (node) => `${url}/node/${encodeURIComponent(node)}`,
    kv,
    requests,
    sessions,
    services: (node) => services.get(node) ?? {},
    kvText: (key) => {
      const item = kv.get(key);
      return item === undefined ? undefined : decoder.decode(item.value);
    },
    kvSet: (key, value) => {
      const bytes = encoder.encode(typeof value === "string" ? value : JSON.stringify(value));
      const existing = kv.get(key);
      index++;
      kv.set(key, {
        value: bytes,
        flags: 0,
        createIndex: existing?.createIndex ?? index,
        modifyIndex: index,
        lockIndex: existing?.lockIndex ?? 0,
        session: existing?.session,
      });
    },
    close: () => server.shutdown(),
  };
}
