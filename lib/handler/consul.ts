/**
 * The few Consul HTTP API calls the handler makes, behind a small interface, and its
 * implementation on `npm:consul`.
 *
 * @module
 */
import Consul from "consul";
import type { Members } from "./record.ts";
import { message } from "../error_message.ts";

/** One KV entry, value decoded as text. */
export interface KvEntry {
  /** Key. */
  key: string;
  /** Value (UTF-8 text). */
  value: string;
  /** Modification index, for check-and-set. */
  modifyIndex: number;
  /** Session holding the key's lock, if any. */
  session?: string;
}

/** Options of a KV write: check-and-set index, lock acquire or release with a session. */
export interface KvPutOptions {
  /** Only write if the key's ModifyIndex is this (0: only if absent). */
  cas?: number;
  /** Acquire the key's lock for this session. */
  acquire?: string;
  /** Release the key's lock held by this session. */
  release?: string;
}

/** What the handler asks of Consul. */
export interface ConsulApi {
  /** The agent's base URL (without `/v1`), for messages and test-mode printing. */
  readonly url: string;
  /** Reads a key; undefined when absent. */
  kvGet(key: string): Promise<KvEntry | undefined>;
  /** Reads every key under a prefix (`?recurse`). */
  kvList(prefix: string): Promise<KvEntry[]>;
  /** Writes a key; false when a CAS or acquire condition failed. */
  kvPut(key: string, value: string, options?: KvPutOptions): Promise<boolean>;
  /** Deletes a key, or a whole prefix with `recurse`. */
  kvDelete(key: string, options?: { recurse?: boolean }): Promise<void>;
  /** Registers a service on the local agent (Consul's service definition, `Name`, `Checks`…). */
  registerService(service: Record<string, unknown>): Promise<void>;
  /** Deregisters a local service; false when the agent did not know it. */
  deregisterService(id: string): Promise<boolean>;
  /** Members' IPs by node name. */
  members(): Promise<Members>;
  /** The local agent's node name. */
  nodeName(): Promise<string>;
  /** Creates a session (for a lock) and returns its ID. */
  createSession(name: string, ttl: string): Promise<string>;
  /** Renews a TTL session. */
  renewSession(id: string): Promise<void>;
  /** Destroys a session (its locks are released). */
  destroySession(id: string): Promise<void>;
  /** Fires a user event and returns its ID. */
  fireEvent(name: string, payload: string): Promise<string>;
  /** Closes kept-alive connections. */
  close(): void;
}

interface RawEntry {
  Key: string;
  Value: string | null;
  ModifyIndex: number;
  Session?: string;
}

/** How long one Consul HTTP request may take by default, ms. */
export const DEFAULT_CONSUL_TIMEOUT_MS = 30_000;

/** {@linkcode ConsulApi} on `npm:consul` (Consul's HTTP API). */
export class HttpConsul implements ConsulApi {
  /** The agent's base URL. */
  readonly url: string;
  /** How long one request may take before it fails, ms. */
  readonly timeoutMs: number;
  // deno-lint-ignore no-explicit-any
  readonly #client: any;

  /**
   * Talks to the agent at `url` (e.g. `http://127.0.0.1:8500`); every request fails after
   * `timeoutMs` without a complete answer (default {@linkcode DEFAULT_CONSUL_TIMEOUT_MS}).
   */
  constructor(url: string, timeoutMs: number = DEFAULT_CONSUL_TIMEOUT_MS) {
    this.url = url.replace(/\/+$/, "");
    this.timeoutMs = timeoutMs;
    // `baseUrl` (supported by the client, missing from its types) keeps a path prefix if any;
    // `timeout` is the client's whole-request limit.
    const options = {
      baseUrl: `${this.url}/v1`,
      timeout: timeoutMs,
    } as unknown as ConstructorParameters<typeof Consul>[0];
    this.#client = new Consul(options);
  }

  async #call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if ((error as { isTimeout?: boolean } | null)?.isTimeout === true) {
        throw new Error(
          `Consul at ${this.url}: ${what}: no answer within ${this.timeoutMs / 1000} s ` +
            `(the Consul request timeout)`,
        );
      }
      const reason = message(error);
      throw new Error(`Consul at ${this.url}: ${what}: ${reason}`);
    }
  }

  /** Reads a key. */
  kvGet(key: string): Promise<KvEntry | undefined> {
    return this.#call(`GET kv/${key}`, async () => {
      const raw: RawEntry | undefined = await this.#client.kv.get({ key });
      return raw === undefined ? undefined : entry(raw);
    });
  }

  /** Reads a prefix. */
  kvList(prefix: string): Promise<KvEntry[]> {
    return this.#call(`GET kv/${prefix}?recurse`, async () => {
      const raw: RawEntry[] | undefined = await this.#client.kv.get({ key: prefix, recurse: true });
      return (raw ?? []).map(entry);
    });
  }

  /** Writes a key. */
  kvPut(key: string, value: string, options: KvPutOptions = {}): Promise<boolean> {
    return this.#call(`PUT kv/${key}`, async () => {
      const result = await this.#client.kv.set({ key, value, ...options });
      return result === true || result === "true";
    });
  }

  /** Deletes a key or prefix. */
  kvDelete(key: string, options: { recurse?: boolean } = {}): Promise<void> {
    return this.#call(`DELETE kv/${key}`, async () => {
      await this.#client.kv.del({ key, recurse: options.recurse === true });
    });
  }

  /** Registers a service. */
  registerService(service: Record<string, unknown>): Promise<void> {
    return this.#call("PUT agent/service/register", async () => {
      await this.#client.agent.service.register(service);
    });
  }

  /** Deregisters a service. */
  deregisterService(id: string): Promise<boolean> {
    return this.#call(`PUT agent/service/deregister/${id}`, async () => {
      try {
        await this.#client.agent.service.deregister({ id });
        return true;
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) return false;
        throw error;
      }
    });
  }

  /** Members' IPs. */
  members(): Promise<Members> {
    return this.#call("GET agent/members", async () => {
      const list: Array<{ Name: string; Addr: string }> = await this.#client.agent.members();
      return Object.fromEntries(list.map((m) => [m.Name, m.Addr]));
    });
  }

  /** The agent's node name. */
  nodeName(): Promise<string> {
    return this.#call("GET agent/self", async () => {
      const self = await this.#client.agent.self();
      const name = self?.Config?.NodeName ?? self?.Member?.Name;
      if (typeof name !== "string") throw new Error("no Config.NodeName in the answer");
      return name;
    });
  }

  /** Creates a session. */
  createSession(name: string, ttl: string): Promise<string> {
    return this.#call("PUT session/create", async () => {
      const result = await this.#client.session.create({
        name,
        ttl,
        behavior: "delete",
        lockdelay: "0s",
      });
      return result.ID as string;
    });
  }

  /** Renews a session. */
  renewSession(id: string): Promise<void> {
    return this.#call(`PUT session/renew/${id}`, async () => {
      await this.#client.session.renew({ id });
    });
  }

  /** Destroys a session. */
  destroySession(id: string): Promise<void> {
    return this.#call(`PUT session/destroy/${id}`, async () => {
      await this.#client.session.destroy({ id });
    });
  }

  /** Fires an event. */
  fireEvent(name: string, payload: string): Promise<string> {
    return this.#call(`PUT event/fire/${name}`, async () => {
      const result = await this.#client.event.fire({ name, payload });
      return result.ID as string;
    });
  }

  /** Closes connections. */
  close(): void {
    this.#client.destroy();
  }
}

function entry(raw: RawEntry): KvEntry {
  const e: KvEntry = { key: raw.Key, value: raw.Value ?? "", modifyIndex: raw.ModifyIndex };
  if (raw.Session) e.session = raw.Session;
  return e;
}
