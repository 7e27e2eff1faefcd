/**
 * An agent bench on a real ZooKeeper server, for fault tests: the agent's store connected
 * directly or through a TCP proxy (then the test's own client goes straight to the server), the
 * session states the agent's store went through, and one `close` for all of it.
 *
 * @module
 */
import type { SessionState, Store } from "../../../lib/store/types.ts";
import { connectZooKeeper } from "../../../lib/store/zookeeper/mod.ts";
import { makeSeedRoot } from "./agent_fake_host.ts";
import { AgentBench } from "./agent_harness.ts";
import { startTcpProxy, type TcpProxy } from "../servers/tcp_proxy.ts";
import { startZooKeeper, type ZooKeeperServer } from "../servers/zookeeper.ts";

/** What {@linkcode startZkBench} started. */
export interface ZkBench {
  /** The server. */
  server: ZooKeeperServer;
  /** The proxy between the agent's store and the server, when asked for. */
  proxy?: TcpProxy;
  /** The seeded host root. */
  root: string;
  /** The agent's store. */
  store: Store;
  /** The test's own client: straight to the server behind a proxy, else the agent's store. */
  control: Store;
  /** The session states the agent's store reported, in order. */
  states: SessionState[];
  /** The bench (not started). */
  bench: AgentBench;
  /** Closes the bench, the clients, the proxy and the server; removes the root. */
  close(): Promise<void>;
}

/**
 * Starts a server (and a proxy when `proxy`), a seeded root and a bench whose store has session
 * timeout `sessionTimeoutMs`.
 */
export function startZkBench(
  options: { sessionTimeoutMs: number; proxy: true },
): Promise<ZkBench & { proxy: TcpProxy }>;
export function startZkBench(
  options: { sessionTimeoutMs: number; proxy?: false },
): Promise<ZkBench>;
export async function startZkBench(
  { sessionTimeoutMs, proxy: proxied = false }: { sessionTimeoutMs: number; proxy?: boolean },
): Promise<ZkBench> {
  const server = await startZooKeeper();
  const proxy = proxied ? startTcpProxy(server.port) : undefined;
  const root = await makeSeedRoot();
  const store = await connectZooKeeper((proxy ?? server).connect, { sessionTimeoutMs });
  const control = proxy ? await connectZooKeeper(server.connect) : store;
  const states: SessionState[] = [];
  store.onState((state) => states.push(state));
  const bench = new AgentBench(store, root, control);
  return {
    server,
    proxy,
    root,
    store,
    control,
    states,
    bench,
    async close() {
      await bench.close();
      await store.close();
      if (control !== store) await control.close();
      await proxy?.close();
      await server.close();
      await Deno.remove(root, { recursive: true });
    },
  };
}
