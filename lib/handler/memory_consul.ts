/**
 * An in-memory Consul: the {@linkcode ConsulApi} the handler needs, kept in this process, for
 * single-host trials without a Consul agent (the `demo` command, trying the handler in test
 * mode on a laptop). It follows Consul's semantics for what the handler uses:
 *
 * - KV with a cluster-wide index: every write bumps `ModifyIndex`; `cas` 0 writes only an
 *   absent key, `cas` N only a key whose `ModifyIndex` is N; `acquire`/`release` with a session
 *   (a key locked by another session is refused; an unknown session is an error);
 * - sessions with a TTL (`"60s"`, `"10m"`…): renewing restarts it, an expired or destroyed
 *   session deletes the keys it holds (behavior `delete`, as {@linkcode HttpConsul} asks);
 * - services registered on the local agent, cluster members (name → IP), the local node name;
 * - user events, kept in order and listed as `consul watch -type=event` hands them to the
 *   handler (`ID`, `Name`, base64 `Payload`, `LTime`…).
 *
 * Nothing is persisted: the state lives as long as the object.
 *
 * @module
 */
import type { ConsulApi, KvEntry, KvPutOptions } from "./consul.ts";
import type { ConsulEvent } from "./event.ts";
import type { Members } from "./record.ts";

/** Options of {@linkcode MemoryConsul}. */
export interface MemoryConsulOptions {
  /** The local node's name (default `node1`). */
  node?: string;
  /** Cluster members' IPs by node name (default: the local node at `127.0.0.1`). */
  members?: Members;
  /** The URL shown in messages and test-mode output (default `memory://consul`). */
  url?: string;
  /** The clock, in milliseconds (default `Date.now`); lets tests expire sessions. */
  now?: () => number;
}

/** A session as {@linkcode MemoryConsul} keeps it. */
export interface MemorySession {
  /** Session ID (a UUID). */
  id: string;
  /** Name given at creation. */
  name: string;
  /** Time to live, in milliseconds. */
  ttlMs: number;
  /** When it expires unless renewed (clock milliseconds). */
  expires: number;
}

interface Item {
  value: string;
  createIndex: number;
  modifyIndex: number;
  lockIndex: number;
  session?: string;
}

/** Parses a Consul duration (`"15s"`, `"10m"`, `"1h"`, `"500ms"`) into milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (match === null) {
    throw new Error(`invalid duration '${text}': expected a number and ms, s, m or h ("60s")`);
  }
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as "ms" | "s" | "m" | "h"];
  return Number(match[1]) * unit;
}

/** An in-memory {@linkcode ConsulApi}; see the module documentation. */
export class MemoryConsul implements ConsulApi {
  /** The URL shown in messages and in test-mode output. */
  readonly url: string;
  readonly #node: string;
  readonly #members: Members;
  readonly #now: () => number;
  readonly #kv = new Map<string, Item>();
  readonly #sessions = new Map<string, MemorySession>();
  readonly #services = new Map<string, Record<string, unknown>>();
  readonly #events: ConsulEvent[] = [];
  #index = 0;

  /** Makes an empty Consul for `options.node`. */
  constructor(options: MemoryConsulOptions = {}) {
    this.url = options.url ?? "memory://consul";
    this.#node = options.node ?? "node1";
    this.#members = { ...(options.members ?? { [this.#node]: "127.0.0.1" }) };
    this.#now = options.now ?? Date.now;
  }

  /** Reads a key. */
  kvGet(key: string): Promise<KvEntry | undefined> {
    this.#expire();
    const item = this.#kv.get(key);
    return Promise.resolve(item === undefined ? undefined : entry(key, item));
  }

  /** Reads every key starting with `prefix`, sorted by key. */
  kvList(prefix: string): Promise<KvEntry[]> {
    this.#expire();
    const keys = [...this.#kv.keys()].filter((k) => k.startsWith(prefix)).sort();
    return Promise.resolve(keys.map((k) => entry(k, this.#kv.get(k)!)));
  }

  /**
   * Writes a key; false when the `cas` index does not match, or the key is locked by another
   * session (`acquire`) or not by this one (`release`). Throws for an unknown session.
   */
  kvPut(key: string, value: string, options: KvPutOptions = {}): Promise<boolean> {
    this.#expire();
    const existing = this.#kv.get(key);
    if (options.cas !== undefined) {
      const ok = options.cas === 0 ? existing === undefined : existing?.modifyIndex === options.cas;
      if (!ok) return Promise.resolve(false);
    }
    const index = this.#index + 1;
    const item: Item = existing ?? {
      value,
      createIndex: index,
      modifyIndex: index,
      lockIndex: 0,
    };
    if (options.acquire !== undefined) {
      if (!this.#sessions.has(options.acquire)) {
        return Promise.reject(new Error(`${this.url}: invalid session "${options.acquire}"`));
      }
      if (item.session !== undefined && item.session !== options.acquire) {
        return Promise.resolve(false);
      }
      if (item.session === undefined) item.lockIndex++;
      item.session = options.acquire;
    }
    if (options.release !== undefined) {
      if (item.session !== options.release) return Promise.resolve(false);
      delete item.session;
    }
    item.value = value;
    item.modifyIndex = ++this.#index;
    this.#kv.set(key, item);
    return Promise.resolve(true);
  }

  /** Deletes a key, or every key starting with it with `recurse`. */
  kvDelete(key: string, options: { recurse?: boolean } = {}): Promise<void> {
    for (const k of [...this.#kv.keys()]) {
      if (options.recurse ? k.startsWith(key) : k === key) this.#kv.delete(k);
    }
    this.#index++;
    return Promise.resolve();
  }

  /** Registers a service on the local agent (by `ID`, or `Name` when it has none). */
  registerService(service: Record<string, unknown>): Promise<void> {
    const name = service.Name;
    if (typeof name !== "string" || name === "") {
      return Promise.reject(new Error(`${this.url}: service definition without a Name`));
    }
    const id = typeof service.ID === "string" && service.ID !== "" ? service.ID : name;
    this.#services.set(id, structuredClone(service));
    return Promise.resolve();
  }

  /** Deregisters a local service; false when it was not registered. */
  deregisterService(id: string): Promise<boolean> {
    return Promise.resolve(this.#services.delete(id));
  }

  /** The members' IPs by node name. */
  members(): Promise<Members> {
    return Promise.resolve({ ...this.#members });
  }

  /** The local node's name. */
  nodeName(): Promise<string> {
    return Promise.resolve(this.#node);
  }

  /** Creates a session with a TTL (`"60s"`); its keys are deleted when it ends. */
  createSession(name: string, ttl: string): Promise<string> {
    let ttlMs: number;
    try {
      ttlMs = parseDuration(ttl);
    } catch (error) {
      return Promise.reject(new Error(`${this.url}: session ${name}: ${(error as Error).message}`));
    }
    const id = crypto.randomUUID();
    this.#sessions.set(id, { id, name, ttlMs, expires: this.#now() + ttlMs });
    this.#index++;
    return Promise.resolve(id);
  }

  /** Restarts a session's TTL; throws when it does not exist (expired or destroyed). */
  renewSession(id: string): Promise<void> {
    this.#expire();
    const session = this.#sessions.get(id);
    if (session === undefined) {
      return Promise.reject(new Error(`${this.url}: session ${id} not found`));
    }
    session.expires = this.#now() + session.ttlMs;
    return Promise.resolve();
  }

  /** Destroys a session and deletes the keys it holds. */
  destroySession(id: string): Promise<void> {
    this.#end(id);
    return Promise.resolve();
  }

  /** Records a user event and returns its ID. */
  fireEvent(name: string, payload: string): Promise<string> {
    const event: ConsulEvent = {
      ID: crypto.randomUUID(),
      Name: name,
      Payload: payload === "" ? null : encodeBase64(payload),
      NodeFilter: "",
      ServiceFilter: "",
      TagFilter: "",
      Version: 1,
      LTime: this.#events.length + 1,
    };
    this.#events.push(event);
    return Promise.resolve(event.ID);
  }

  /** Nothing to close. */
  close(): void {}

  /** The events fired so far (all, or those named `name`), as `consul watch` hands them over. */
  events(name?: string): ConsulEvent[] {
    return this.#events.filter((e) => name === undefined || e.Name === name).map((e) => ({
      ...e,
    }));
  }

  /** The services registered on the local agent, by ID. */
  services(): Record<string, Record<string, unknown>> {
    return Object.fromEntries([...this.#services].map(([id, s]) => [id, structuredClone(s)]));
  }

  /** The sessions alive. */
  sessions(): MemorySession[] {
    this.#expire();
    return [...this.#sessions.values()].map((s) => ({ ...s }));
  }

  /** Ends sessions whose TTL has passed. */
  #expire() {
    const now = this.#now();
    for (const session of [...this.#sessions.values()]) {
      if (session.expires <= now) this.#end(session.id);
    }
  }

  /** Ends a session: deletes the keys it holds. */
  #end(id: string) {
    if (!this.#sessions.delete(id)) return;
    for (const [key, item] of [...this.#kv]) {
      if (item.session === id) this.#kv.delete(key);
    }
    this.#index++;
  }
}

function entry(key: string, item: Item): KvEntry {
  const e: KvEntry = { key, value: item.value, modifyIndex: item.modifyIndex };
  if (item.session !== undefined) e.session = item.session;
  return e;
}

function encodeBase64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
