/**
 * `clusterdeploy monitor --cluster`, the cluster-wide convergence check (the reference's
 * zkdeploymentclustermonitor): its README's story replayed on the pure verdict (times given),
 * then on both real stores (a ZooKeeper server and the embedded store, started here) through
 * the command line and in process with the stores' own creation and modification times.
 *
 * Covers: lib/operator/cluster_check.ts, lib/operator/cluster_monitor.ts,
 *   lib/operator/monitor.ts, main.ts.
 */
import { deepEqual, equal, match } from "node:assert/strict";
import { checkCluster, type ClusterMember, ctime } from "../../lib/operator/cluster_check.ts";
import { runClusterMonitor } from "../../lib/operator/cluster_monitor.ts";
import type { Properties } from "../../lib/tree/model.ts";
import { setProperties } from "../../lib/store/tree_io.ts";
import { importTree, setClusterVersion } from "../support/harness/agent_cluster.ts";
import { runEntrypoint } from "../support/harness/cli.ts";
import { STORE_KINDS } from "../support/harness/stores.ts";

const MIN = 60_000;

Deno.test("cluster check: the reference's story, minute by minute", () => {
  const t0 = Date.UTC(2012, 9, 4, 19, 14, 11);
  let now = t0;
  let hostsMtime = t0;
  let version: Properties["version"] = 1;
  const members = new Map<string, ClusterMember>();
  const host = (id: string, properties: Properties, at = now) =>
    members.set(id, { id, properties, ctime: members.get(id)?.ctime ?? at, mtime: at });
  const check = () => {
    const v = checkCluster({
      hosts: { properties: { version }, mtime: hostsMtime },
      members: [...members.values()],
      now,
      warn: 900,
      error: 1800,
    });
    return [v.code, v.text];
  };
  deepEqual(
    checkCluster({ hosts: null, members: [], now, warn: 900, error: 1800 }),
    { code: 2, text: "No node: /hosts" },
  );
  deepEqual(check(), [0, `Converged (1 since ${ctime(t0)})`]);
  now += 301_000;
  deepEqual(check(), [0, `Converged (1 since ${ctime(t0)})`]);
  host("xxx", { version: null });
  deepEqual(check(), [0, "Unconverged (xxx after 0 minutes)"]);
  now += 601_000;
  host("yyy", { name: "app42.zope.com", version: null });
  deepEqual(check(), [0, "Unconverged (xxx after 10 minutes)"]);
  now += 601_000;
  deepEqual(check(), [1, "Unconverged (xxx after 20 minutes)"]);
  now += 901_000;
  deepEqual(check(), [2, "Unconverged (xxx after 35 minutes)"]);
  host("xxx", { version: 1 });
  deepEqual(check(), [1, "Unconverged (app42.zope.com after 25 minutes)"]);
  host("yyy", { name: "app42.zope.com", version: 1 });
  const converged = now;
  deepEqual(check(), [0, `Converged (1 since ${ctime(converged)})`]);
  now += 901_000;
  deepEqual(check(), [0, `Converged (1 since ${ctime(converged)})`]);
  version = 2;
  hostsMtime = now;
  deepEqual(check(), [0, "Unconverged (xxx after 0 minutes)"]);
  now += 901_000;
  deepEqual(check(), [0, "Unconverged (xxx after 15 minutes)"]);
  // Hosts without a version (an agent still registering) do not count.
  host("zzz", {});
  deepEqual(check(), [0, "Unconverged (xxx after 15 minutes)"]);
  // ALL STOP is CRITICAL at once, naming the failed hosts.
  version = null;
  host("yyy", { name: "app42.zope.com", version: 1, error: "Failed to install z4m-2" });
  deepEqual(check(), [2, "ALL STOP (cluster version None; error on app42.zope.com)"]);
});

for (const kind of STORE_KINDS) {
  Deno.test(`monitor --cluster on ${kind.name}: the store's own times`, async () => {
    const fixture = await kind.make();
    try {
      const store = await fixture.open();
      const cli = (...args: string[]) =>
        runEntrypoint("main.ts", ["monitor", "--cluster", "--store", fixture.connect, ...args]);
      let run = await cli();
      deepEqual([run.code, run.stdout], [2, "DEPLOY CRITICAL: No node: /hosts\n"]);
      await importTree(
        store,
        "/hosts\n  version = 1\n  /aaa\n    name = 'host-a'\n    version = 1\n" +
          "  /bbb\n    version = 0\n",
      );
      run = await cli();
      deepEqual([run.code, run.stdout], [
        0,
        "DEPLOY OK: Unconverged (bbb after 0 minutes) | hosts=2 unconverged=1 lag=0s;900;1800;0\n",
      ]);
      // Later, by the store's times: warning past --warn, critical past --error.
      const at = async (minutes: number, warn = 900, error = 1800) =>
        (await runClusterMonitor(store, { warn, error, now: Date.now() + minutes * MIN })).line
          .replace(/lag=\d+s/, "lag=…");
      equal(
        await at(16),
        "DEPLOY WARNING: Unconverged (bbb after 16 minutes) | hosts=2 unconverged=1 lag=…;900;1800;0",
      );
      equal(
        await at(31),
        "DEPLOY CRITICAL: Unconverged (bbb after 31 minutes) | hosts=2 unconverged=1 lag=…;900;1800;0",
      );
      run = await cli("-w", "0", "--error", "0");
      equal(run.code, 0); // 0 whole minutes are not more than 0 seconds
      await setProperties(store, "/hosts/bbb", { name: "host-b", version: 1 });
      const bbb = (await store.get("/hosts/bbb"))!;
      run = await cli();
      equal(run.code, 0);
      equal(
        run.stdout,
        `DEPLOY OK: Converged (1 since ${
          ctime(bbb.mtime)
        }) | hosts=2 unconverged=0 lag=0s;900;1800;0\n`,
      );
      // A bump: every host is behind since /hosts changed; a host that registers afterwards is
      // behind only since its node was made.
      await setClusterVersion(store, 2);
      await new Promise((r) => setTimeout(r, 50));
      await setProperties(store, "/hosts/aaa", { name: "host-a", version: 2 });
      await setProperties(store, "/hosts/bbb", { name: "host-b", version: 2 });
      await store.create("/hosts/ccc", JSON.stringify({ name: "host-c", version: 1 }));
      const hosts = (await store.get("/hosts"))!;
      const ccc = (await store.get("/hosts/ccc"))!;
      equal(ccc.ctime > hosts.mtime, true);
      const exact = await runClusterMonitor(store, {
        warn: 900,
        error: 1800,
        now: ccc.ctime + 16 * MIN,
      });
      deepEqual([exact.code, exact.text], [1, "Unconverged (host-c after 16 minutes)"]);
      // ALL STOP.
      await setProperties(store, "/hosts/ccc", { name: "host-c", version: 1, error: "boom" });
      await setClusterVersion(store, null);
      run = await cli();
      deepEqual([run.code, run.stdout], [
        2,
        "DEPLOY CRITICAL: ALL STOP (cluster version None; error on host-c)\n",
      ]);
      run = await cli("--config", "x.cfg");
      equal(run.code, 2);
      match(run.stderr, /--cluster reads the store only/);
    } finally {
      await fixture.close();
    }
  });
}
