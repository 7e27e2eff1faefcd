/**
 * The ZooKeeper lock recipe creates `/ZktoolsLocks/<name>` on its first use only, and a lock
 * taken after that costs two requests (create the sequential node, list its siblings), counted
 * with the server's own `mntr` counters; the recipe still refuses a held lock and hands it on.
 *
 * Covers: lib/store/path.ts, lib/store/zookeeper/mod.ts.
 */
import { equal, notEqual } from "node:assert/strict";
import { LOCK_NODE_DATA, LOCKS_ROOT_DATA } from "../../../lib/store/path.ts";
import { connectZooKeeper } from "../../../lib/store/zookeeper/mod.ts";
import { mntr } from "../../../bench/conditions.ts";
import { startZooKeeper } from "../../support/servers/zookeeper.ts";

const options = { sanitizeOps: false, sanitizeResources: false };

Deno.test("a lock taken after its first use costs two requests", options, async () => {
  const server = await startZooKeeper({ config: ["4lw.commands.whitelist=mntr"] });
  const a = await connectZooKeeper(server.connect);
  const b = await connectZooKeeper(server.connect);
  try {
    const first = await a.tryLock("name");
    notEqual(first, null);
    equal((await a.get("/ZktoolsLocks"))?.data, LOCKS_ROOT_DATA);
    equal((await a.get("/ZktoolsLocks/name"))?.data, LOCK_NODE_DATA);
    equal(await b.tryLock("name"), null, "held by a");
    await first!.release();

    const before = (await mntr(server.port)).zk_packets_received;
    const again = await b.tryLock("name");
    const after = (await mntr(server.port)).zk_packets_received;
    notEqual(again, null, "released by a, so b gets it");
    equal(after - before - 1, 2, "requests for the lock (the first mntr counts as one)");
    equal(await a.tryLock("name"), null, "held by b");
    await again!.release();
    notEqual(await a.tryLock("name"), null);
  } finally {
    await a.close();
    await b.close();
    await server.close();
  }
});
