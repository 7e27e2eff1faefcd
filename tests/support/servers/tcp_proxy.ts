/**
 * A loopback TCP proxy for tests: clients connect to it instead of the server, and the test can
 * cut every connection and refuse new ones (`pause`) to make a network partition, then let
 * traffic through again (`resume`). Used to expire ZooKeeper sessions for real: the server
 * stays up and expires a session whose client cannot reach it.
 *
 * @module
 */

/** A running proxy. */
export interface TcpProxy {
  /** `127.0.0.1:<port>` of the proxy. */
  readonly connect: string;
  /** Cuts all connections and refuses new ones until `resume`. */
  pause(): void;
  /** Accepts and forwards connections again. */
  resume(): void;
  /**
   * Once `bytes` more have gone from the server to the client, cuts every connection (in the
   * middle of whatever answer was passing: the client loses a request in flight), once; with
   * `pause`, also refuses new connections until `resume`. `cutAfter(0)` cuts at the next answer.
   */
  cutAfter(bytes: number, options?: { pause?: boolean }): void;
  /** How many cuts `cutAfter` has made. */
  readonly cuts: number;
  /** How many connections were forwarded to the server so far. */
  readonly forwarded: number;
  /** Stops the proxy and closes all connections. */
  close(): Promise<void>;
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}

/** How many bytes of `n` may pass now; 0..n. */
type Gate = (n: number) => number;

async function pump(from: Deno.Conn, to: Deno.Conn, gate: Gate = (n) => n): Promise<void> {
  const buffer = new Uint8Array(64 * 1024);
  try {
    for (;;) {
      const read = await from.read(buffer);
      if (read === null) break;
      const n = gate(read);
      let written = 0;
      while (written < n) written += await to.write(buffer.subarray(written, n));
      if (n < read) throw new Error("cut");
    }
  } catch {
    // a side closed
  }
  closeQuietly(from);
  closeQuietly(to);
}

/** Starts a proxy on a free loopback port forwarding to `127.0.0.1:<targetPort>`. */
export function startTcpProxy(targetPort: number): TcpProxy {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const open = new Set<Deno.Conn>();
  let paused = false;
  let closed = false;
  let cut: { remaining: number; pause: boolean } | undefined;
  let cuts = 0;
  let forwarded = 0;
  const pumps: Promise<void>[] = [];
  const cutAll = () => {
    for (const conn of open) closeQuietly(conn);
    open.clear();
  };
  const accepting = (async () => {
    for (;;) {
      let client: Deno.Conn;
      try {
        client = await listener.accept();
      } catch {
        return; // listener closed
      }
      if (paused || closed) {
        closeQuietly(client);
        continue;
      }
      let server: Deno.Conn;
      try {
        server = await Deno.connect({ hostname: "127.0.0.1", port: targetPort });
      } catch {
        closeQuietly(client);
        continue;
      }
      if (paused || closed) {
        closeQuietly(client);
        closeQuietly(server);
        continue;
      }
      forwarded++;
      open.add(client);
      open.add(server);
      const gate: Gate = (n) => {
        if (cut === undefined) return n;
        if (n <= cut.remaining) {
          cut.remaining -= n;
          return n;
        }
        const pass = cut.remaining;
        if (cut.pause) paused = true;
        cut = undefined;
        cuts++;
        queueMicrotask(cutAll);
        return pass;
      };
      const done = Promise.all([pump(client, server), pump(server, client, gate)]).then(() => {
        open.delete(client);
        open.delete(server);
      });
      pumps.push(done);
    }
  })();
  return {
    connect: `127.0.0.1:${port}`,
    pause() {
      paused = true;
      cutAll();
    },
    resume() {
      paused = false;
    },
    get cuts() {
      return cuts;
    },
    get forwarded() {
      return forwarded;
    },
    cutAfter(bytes, options = {}) {
      cut = { remaining: bytes, pause: options.pause ?? false };
    },
    async close() {
      closed = true;
      listener.close();
      cutAll();
      await accepting;
      await Promise.all(pumps);
    },
  };
}
