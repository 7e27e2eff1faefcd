/**
 * The connection under the ZooKeeper store: connect-string parsing, one client at a time
 * (replaced by a new one after a session expiry), connection state and its listeners, requests
 * with an answer timeout, and the chroot mapping of paths.
 *
 * @module
 */
import { type SessionState, StoreError } from "../types.ts";
import type { ZooKeeperAddress } from "../connect_string.ts";
import { patchConnectionManager } from "./wire_patch.ts";
import { stopClient, toStoreError, zk, type ZkClient } from "./client.ts";
import type { Buffer } from "node:buffer";

/** Options of {@linkcode connectZooKeeper}. */
export interface ZooKeeperOptions {
  /** Requested session timeout (the server may bound it). Default 10 000 ms. */
  sessionTimeoutMs?: number;
  /** How long the first connection may take before failing with `CONNECTION`. Default 10 000. */
  connectTimeoutMs?: number;
  /**
   * How long one request may wait for its answer (it is queued while disconnected) before
   * failing with `CONNECTION`; its outcome is then unknown. Default 30 000 ms.
   */
  operationTimeoutMs?: number;
}

/**
 * Fails at once, saying why, when this process may not reach the servers (Deno permissions):
 * otherwise the client would retry until its connect timeout and blame the network.
 */
export function checkNetPermission(hosts: string): void {
  for (const host of hosts.split(",")) {
    const state = Deno.permissions.querySync({ name: "net", host }).state;
    if (state !== "granted") {
      throw new StoreError(
        "PERMISSION",
        `no permission to connect to ${host}: run with --allow-net (or --allow-net=${host})`,
      );
    }
  }
}

/** How long `close` waits for the server to end the session. */
const CLOSE_WAIT_MS = 3_000;

/** A stat time (8 bytes, big-endian milliseconds since the epoch) as a number; 0 when absent. */
export function statTime(buffer: Buffer | undefined): number {
  return buffer === undefined || buffer.length !== 8 ? 0 : Number(buffer.readBigInt64BE(0));
}

/** Whether a stat's ephemeral owner is absent or all zero bytes. */
export function isZero(buffer: Buffer | undefined): boolean {
  return buffer === undefined || buffer.every((b) => b === 0);
}

/**
 * One logical connection to an ensemble. The other parts of the store send their requests
 * through it; it tells them when to re-create ephemerals (after an expiry) and re-arm watches
 * (after every (re)connection) through two hooks.
 */
export class ZkConnection {
  /** The connect string as given. */
  readonly connect: string;
  /** `zookeeper <connect string>` */
  readonly description: string;
  /** The parsed connect string. */
  readonly address: ZooKeeperAddress;
  /** Requested session timeout. */
  readonly sessionTimeoutMs: number;
  /** How long one request may wait for its answer. */
  readonly operationTimeoutMs: number;
  /** Called after a session expiry, once connected again, before `connected` is reported. */
  recreate: (stale: () => boolean) => Promise<void> = () => Promise.resolve();
  /** Called after every (re)connection, once `connected` has been reported. */
  refresh: () => void = () => {};
  #client: ZkClient | undefined;
  #connected = false;
  #recovering = false;
  #closed = false;
  #connectedWaiters: (() => void)[] = [];
  readonly #listeners = new Set<(state: SessionState) => void>();

  /** Makes a connection (not started: see {@linkcode ZkConnection.start}). */
  constructor(connect: string, address: ZooKeeperAddress, options: ZooKeeperOptions) {
    this.connect = connect;
    this.address = address;
    this.description = `zookeeper ${connect}`;
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? 10_000;
    this.operationTimeoutMs = options.operationTimeoutMs ?? 30_000;
  }

  /** The current client (replaced after an expiry); undefined before `start`. */
  get client(): ZkClient | undefined {
    return this.#client;
  }

  /** Whether the session is connected now. */
  get connected(): boolean {
    return this.#connected;
  }

  /** Whether `close` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Starts connecting; resolves true once connected, false when not within `connectTimeoutMs`.
   */
  async start(connectTimeoutMs: number): Promise<boolean> {
    this.#newClient(false);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const connected = await Promise.race([
      this.waitConnected().then(() => true),
      new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), connectTimeoutMs)),
    ]);
    clearTimeout(timer);
    return connected;
  }

  #newClient(afterExpiry: boolean): void {
    patchConnectionManager();
    const client = zk.createClient(this.address.hosts, {
      sessionTimeout: this.sessionTimeoutMs,
      spinDelay: 250,
      retries: 0,
    });
    this.#client = client;
    this.#connected = false;
    if (afterExpiry) this.#recovering = true;
    client.on("connected", () => {
      if (client !== this.#client || this.#closed) return;
      this.#connected = true;
      if (this.#recovering) {
        void this.#recover();
      } else {
        this.#wakeWaiters();
        this.#emit("connected");
        this.refresh();
      }
    });
    client.on("disconnected", () => {
      if (client !== this.#client || this.#closed) return;
      if (this.#connected) {
        this.#connected = false;
        this.#emit("disconnected");
      }
    });
    client.on("expired", () => {
      if (client !== this.#client || this.#closed) return;
      if (this.#connected) {
        this.#connected = false;
        this.#emit("disconnected");
      }
      this.#emit("expired");
      this.#newClient(true);
      stopClient(client);
    });
    client.connect();
    this.#watchHandshake(client);
  }

  /**
   * The client has no timeout for the session handshake: a server that accepts the connection
   * but does not answer (still starting up) would hold it forever. While not connected, drop the
   * socket every so often so the client tries again.
   */
  #watchHandshake(client: ZkClient): void {
    const every = Math.max(1_000, Math.min(2_000, Math.floor(this.sessionTimeoutMs / 3)));
    let previous: unknown;
    const timer = setInterval(() => {
      if (this.#closed || client !== this.#client) {
        clearInterval(timer);
        return;
      }
      const socket = client.connectionManager?.socket;
      if (this.#connected) {
        previous = undefined;
        return;
      }
      // Only a socket seen stuck for a whole period is dropped.
      if (socket !== undefined && socket === previous) socket.destroy();
      previous = socket;
    }, every);
    Deno.unrefTimer(timer as unknown as number);
  }

  /** After an expiry: re-create ephemerals, then report `connected` and re-arm watches. */
  async #recover(): Promise<void> {
    const client = this.#client;
    const stale = () => client !== this.#client || this.#closed || !this.#connected;
    await this.recreate(stale);
    if (stale()) return; // the next `connected` starts over
    this.#recovering = false;
    this.#wakeWaiters();
    this.#emit("connected");
    this.refresh();
  }

  #wakeWaiters(): void {
    for (const wake of this.#connectedWaiters.splice(0)) wake();
  }

  /** Resolves when connected (at once if connected), or when the store closes. */
  waitConnected(): Promise<void> {
    if (this.#connected || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#connectedWaiters.push(resolve));
  }

  #emit(state: SessionState): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(state);
      } catch (error) {
        console.error("zookeeper store: state listener threw:", error);
      }
    }
  }

  /** Subscribes to `connected`, `disconnected` and `expired`. */
  onState(listener: (state: SessionState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The current client; throws `CLOSED` naming `what` and `path` once closed. */
  live(what: string, path: string): ZkClient {
    if (this.#closed || this.#client === undefined) {
      throw new StoreError("CLOSED", `${what} on closed store ${this.description}`, path);
    }
    return this.#client;
  }

  /** The server path of a store path (the chroot prepended). */
  abs(path: string): string {
    const chroot = this.address.chroot;
    if (chroot === "") return path;
    return path === "/" ? chroot : chroot + path;
  }

  /** The store path of a server path (the chroot removed). */
  rel(absolute: string): string {
    const chroot = this.address.chroot;
    if (chroot === "") return absolute;
    return absolute === chroot ? "/" : absolute.slice(chroot.length);
  }

  /** Sends one request; rejects with a StoreError naming `path` (relative) on failure. */
  request<T>(
    what: string,
    path: string,
    send: (client: ZkClient, done: (error: unknown, value?: T) => void) => void,
  ): Promise<T> {
    let client: ZkClient;
    try {
      client = this.live(what, path);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new StoreError(
            "CONNECTION",
            `zookeeper ${what} got no answer from ${this.connect} in ${this.operationTimeoutMs} ms`,
            path,
          ),
        );
      }, this.operationTimeoutMs);
      try {
        send(client, (error, value) => {
          clearTimeout(timer);
          if (error) reject(toStoreError(error, what, path));
          else resolve(value as T);
        });
      } catch (error) {
        clearTimeout(timer);
        reject(toStoreError(error, what, path));
      }
    });
  }

  /** Closes the session and stops the client for good. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#wakeWaiters();
    const client = this.#client;
    if (client === undefined) return;
    const wasConnected = this.#connected;
    this.#connected = false;
    if (!wasConnected) {
      // No session to end over a live connection: stop at once. Asking the client to close
      // would let it go on connecting meanwhile (a retry may be scheduled) and send the close
      // request ahead of its connect request.
      stopClient(client);
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, CLOSE_WAIT_MS);
      function done() {
        clearTimeout(timer);
        client!.removeListener("disconnected", done);
        resolve();
      }
      client.once("disconnected", done);
      try {
        client.close();
      } catch {
        done(); // no socket to send the close request on: nothing more to wait for
      }
    });
    stopClient(client);
  }
}
