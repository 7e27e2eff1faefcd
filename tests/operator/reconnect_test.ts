/**
 * The read-only commands (`status`, `tree export`, `plan`) as black boxes on a real ZooKeeper
 * server reached through a TCP proxy that cuts the connection in the middle of the first answer
 * after the handshake: they read again once reconnected and print what a clean run prints; a
 * store that stays unreachable fails them after `--timeout`, saying so.
 *
 * Covers: lib/store/tree_io.ts, lib/store/zookeeper/mod.ts, lib/tree/parse.ts, main.ts.
 */
import { equal, match, ok } from "node:assert/strict";
import { writeTree } from "../../lib/store/tree_io.ts";
import { connectZooKeeper } from "../../lib/store/zookeeper/mod.ts";
import { parseTree } from "../../lib/tree/parse.ts";
import { runEntrypoint } from "../support/harness/cli.ts";
import { startTcpProxy, type TcpProxy } from "../support/servers/tcp_proxy.ts";
import { startZooKeeper, type ZooKeeperServer } from "../support/servers/zookeeper.ts";

const options = { sanitizeOps: false, sanitizeResources: false };

const TREE = `/cust : customer
  /cms : z4m cms
    version = '1.0'
    /deploy
      /424242424242
/hosts
  version = 'abc123'
  /424242424242
    name = 'host42'
    version = 'abc123'
`;

/** The connect response (41 bytes) and a little of the first answer: cut mid-answer. */
const CUT_AT = 41 + 10;

const COMMANDS = [["status"], ["tree", "export"], ["plan"]];

/** Runs `fn` with a server holding {@linkcode TREE} and a proxy to it, both closed after. */
async function withTreeBehindProxy(
  fn: (server: ZooKeeperServer, proxy: TcpProxy) => Promise<void>,
): Promise<void> {
  const server = await startZooKeeper();
  const proxy = startTcpProxy(server.port);
  try {
    const store = await connectZooKeeper(server.connect);
    await writeTree(store, parseTree(TREE, "tree.zk"));
    await store.close();
    await fn(server, proxy);
  } finally {
    await proxy.close();
    await server.close();
  }
}

Deno.test({
  name: "status, tree export and plan read again across a lost connection",
  ...options,
  async fn() {
    await withTreeBehindProxy(async (server, proxy) => {
      for (const command of COMMANDS) {
        const clean = await runEntrypoint("main.ts", [...command, "--store", server.connect]);
        equal(clean.code, 0, clean.stderr);
        const cuts = proxy.cuts;
        proxy.cutAfter(CUT_AT);
        const cut = await runEntrypoint("main.ts", [...command, "--store", proxy.connect]);
        equal(proxy.cuts, cuts + 1, `${command.join(" ")}: the connection was cut`);
        equal(cut.code, 0, `${command.join(" ")}: ${cut.stderr}`);
        equal(cut.stdout, clean.stdout);
      }
    });
  },
});

Deno.test({
  name: "a read-only command fails after --timeout when the store stays unreachable",
  ...options,
  async fn() {
    await withTreeBehindProxy(async (_server, proxy) => {
      proxy.cutAfter(CUT_AT, { pause: true });
      const run = await runEntrypoint("main.ts", [
        "status",
        "--store",
        proxy.connect,
        "--timeout",
        "0.5",
      ]);
      ok(proxy.cuts === 1, "the connection was cut");
      equal(run.code, 1, run.stderr);
      match(run.stderr, /^error: ZooKeeper unreachable for more than 0\.5 s \(--timeout\)/m);
    });
  },
});
