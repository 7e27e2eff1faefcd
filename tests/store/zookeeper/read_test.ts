/**
 * Batched reads (`multiRead`) of the ZooKeeper store against a real server: the results equal
 * node-by-node reads through the client library, with a chroot too; a read across a server
 * restart fails cleanly or succeeds, never hangs; a server without `multiRead` (simulated by a
 * proxy answering like ZooKeeper 3.5) is read node by node.
 *
 * Covers: lib/store/types.ts, lib/store/zookeeper/client.ts, lib/store/zookeeper/mod.ts,
 *   lib/store/zookeeper/wire_patch.ts.
 *
 * @module
 */
import assert from "node:assert/strict";
import { connectZooKeeper } from "../../../lib/store/zookeeper/mod.ts";
import { type StoredNode, StoreError } from "../../../lib/store/types.ts";
import { zk, type ZkStat } from "../../../lib/store/zookeeper/client.ts";
import { FrameSplitter } from "../../../lib/store/zookeeper/wire_patch.ts";
import { startZooKeeper } from "../../support/servers/zookeeper.ts";

const resources = { sanitizeOps: false, sanitizeResources: false };

/** Reads each node with the client library itself (getData, then getChildren). */
async function readDirect(connect: string, paths: readonly string[]) {
  const client = zk.createClient(connect, { sessionTimeout: 10_000, spinDelay: 100, retries: 0 });
  await new Promise<void>((resolve) => {
    client.once("connected", resolve);
    client.connect();
  });
  try {
    return await Promise.all(
      paths.map((path) =>
        new Promise<StoredNode | null>((resolve, reject) => {
          client.getData(path, undefined, (error, data, stat) => {
            if (error?.code === zk.Exception.NO_NODE) return resolve(null);
            if (error) return reject(error);
            client.getChildren(path, undefined, (error, children) => {
              if (error) return reject(error);
              resolve({
                data: data ? data.toString("utf8") : "",
                version: (stat as ZkStat).version,
                ephemeral: !(stat as ZkStat).ephemeralOwner.every((b) => b === 0),
                children: [...children!].sort(),
                ctime: Number((stat as ZkStat).ctime.readBigInt64BE(0)),
                mtime: Number((stat as ZkStat).mtime.readBigInt64BE(0)),
              });
            });
          });
        })
      ),
    );
  } finally {
    await new Promise<void>((resolve) => {
      client.once("disconnected", resolve);
      client.close();
    });
  }
}

/** Creates `/t` with `groups` × `leaves` nodes (data of varied kinds), returns all paths. */
async function makeTree(
  store: Awaited<ReturnType<typeof connectZooKeeper>>,
  groups: number,
  leaves: number,
): Promise<string[]> {
  const paths = ["/t"];
  await store.create("/t", "root");
  await Promise.all(Array.from({ length: groups }, (_, g) => store.create(`/t/g${g}`, "")));
  const writes: Promise<unknown>[] = [];
  for (let g = 0; g < groups; g++) {
    paths.push(`/t/g${g}`);
    for (let l = 0; l < leaves; l++) {
      const path = `/t/g${g}/leaf-${l}`;
      paths.push(path);
      const data = l % 3 === 0 ? "" : `k=${g}.${l}\nnote=héllo ✓`;
      writes.push(l % 7 === 0 ? store.ephemeral(path, data) : store.create(path, data));
    }
  }
  await Promise.all(writes);
  await Promise.all(paths.slice(0, 50).map((path) => store.set(path, "updated")));
  return paths;
}

Deno.test({
  name: "zookeeper multiRead: getMany over many nodes equals node-by-node reads",
  ...resources,
  async fn() {
    const server = await startZooKeeper();
    const store = await connectZooKeeper(server.connect);
    try {
      const paths = await makeTree(store, 12, 110); // > 2 batches of data, > 1 with children
      const wanted = [...paths, "/missing", "/t/g0/missing", "/t/g3/leaf-5/none"];
      const got = await store.getMany(wanted);
      assert.deepEqual(got, await readDirect(server.connect, wanted));
      assert.equal(got.filter((node) => node === null).length, 3);
      assert.ok(got.some((node) => node?.ephemeral));
      assert.equal(got[0]?.version, 1);
      assert.deepEqual(got[0]?.children, Array.from({ length: 12 }, (_, g) => `g${g}`).sort());
      assert.deepEqual(await store.getMany([]), []);
      assert.equal((await store.get("/"))?.children.includes("t"), true);
    } finally {
      await store.close();
      await server.close();
    }
  },
});

Deno.test({
  name: "zookeeper multiRead: a chroot is applied to every op",
  ...resources,
  async fn() {
    const server = await startZooKeeper();
    const store = await connectZooKeeper(`${server.connect}/app/root`);
    try {
      const paths = await makeTree(store, 3, 20);
      const got = await store.getMany(["/", ...paths, "/missing"]);
      const direct = await readDirect(server.connect, [
        "/app/root",
        ...paths.map((path) => `/app/root${path}`),
        "/app/root/missing",
      ]);
      assert.deepEqual(got, direct);
      assert.deepEqual(got[0]?.children, ["t"]);
      assert.equal((await readDirect(server.connect, ["/t"]))[0], null);
    } finally {
      await store.close();
      await server.close();
    }
  },
});

Deno.test({
  name: "zookeeper multiRead: a read across a server stop fails with CONNECTION or succeeds",
  ...resources,
  async fn() {
    const server = await startZooKeeper();
    const store = await connectZooKeeper(server.connect, {
      sessionTimeoutMs: 30_000,
      operationTimeoutMs: 8_000,
    });
    try {
      const paths = await makeTree(store, 20, 100);
      const expected = await store.getMany(paths);
      const during = store.getMany(paths).then((nodes) => nodes, (error) => error);
      await server.stop();
      const outcome = await during;
      if (outcome instanceof Error) {
        assert.ok(outcome instanceof StoreError, String(outcome));
        assert.equal(outcome.code, "CONNECTION");
      } else {
        assert.deepEqual(outcome, expected);
      }
      // Asked while the server is down: waits for the reconnect, then answers (a read that
      // waited for its operation timeout would have failed with CONNECTION instead).
      const whileDown = store.getMany(paths);
      await server.start();
      assert.deepEqual(await whileDown, expected);
      assert.deepEqual(await store.getMany(paths), expected);
    } finally {
      await store.close();
      await server.close();
    }
  },
});

/**
 * A proxy in front of the server answering `multiRead` like ZooKeeper 3.5 does (error
 * UNIMPLEMENTED, then the connection is closed); counts the `multiRead` requests it saw.
 */
function oldServerProxy(port: number) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const state = { multiReads: 0 };
  const close = (conn: Deno.Conn) => {
    try {
      conn.close();
    } catch {
      // already closed
    }
  };
  const pump = async (from: Deno.Conn, to: Deno.Conn, onFrame?: (f: Uint8Array) => boolean) => {
    const splitter = new FrameSplitter();
    const buffer = new Uint8Array(64 * 1024);
    try {
      for (let n; (n = await from.read(buffer)) !== null;) {
        const chunk = buffer.slice(0, n);
        for (const frame of onFrame ? splitter.push(chunk) : [chunk]) {
          if (onFrame && !onFrame(frame)) return;
          await to.write(frame);
        }
      }
    } catch {
      // a side closed
    } finally {
      close(from);
      close(to);
    }
  };
  void (async () => {
    for await (const client of listener) {
      const server = await Deno.connect({ hostname: "127.0.0.1", port });
      conns.add(client).add(server);
      let first = true; // the connect request has no request header
      void pump(server, client);
      void pump(client, server, (frame) => {
        const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
        if (first || view.getInt32(8) !== 22) return (first = false, true);
        state.multiReads++;
        const reply = new Uint8Array(20);
        new DataView(reply.buffer).setInt32(0, 16);
        reply.set(frame.subarray(4, 8), 4); // xid
        new DataView(reply.buffer).setInt32(16, -6);
        void client.write(reply).finally(() => close(client));
        return false;
      });
    }
  })().catch(() => {});
  return {
    connect: `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    state,
    close() {
      listener.close();
      for (const conn of conns) close(conn);
    },
  };
}

Deno.test({
  name: "zookeeper multiRead: a server without it is read node by node",
  ...resources,
  async fn() {
    const server = await startZooKeeper();
    const direct = await connectZooKeeper(server.connect);
    const proxy = oldServerProxy(server.port);
    const store = await connectZooKeeper(proxy.connect, { operationTimeoutMs: 8_000 });
    try {
      const paths = [...await makeTree(direct, 6, 100), "/missing"];
      const expected = await readDirect(server.connect, paths);
      assert.deepEqual(await store.getMany(paths), expected);
      assert.ok(proxy.state.multiReads >= 1);
      const seen = proxy.state.multiReads;
      assert.deepEqual(await store.getMany(paths), expected);
      assert.equal(proxy.state.multiReads, seen, "multiRead is not tried again");
    } finally {
      await store.close();
      await direct.close();
      proxy.close();
      await server.close();
    }
  },
});
