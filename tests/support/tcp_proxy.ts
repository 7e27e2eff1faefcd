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

async function pump(from: Deno.Conn, to: Deno.Conn): Promise<void> {
  const buffer = new Uint8Array(64 * 1024);
  try {
    for (;;) {
      const n = await from.read(buffer);
      if (n === null) break;
      let written = 0;
      while (written < n) written += await to.write(buffer.subarray(written, n));
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
      open.add(client);
      open.add(server);
      const done = Promise.all([pump(client, server), pump(server, client)]).then(() => {
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
    async close() {
      closed = true;
      listener.close();
      cutAll();
      await accepting;
      await Promise.all(pumps);
    },
  };
}
