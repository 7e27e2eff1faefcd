/**
 * The agent end to end, with real processes: a real ZooKeeper, a real git repository synced
 * into it, agents running as separate `deno run -A agent.ts` processes on temp roots with a
 * yum look-alike on PATH and real shell deploy scripts.
 *
 * Covers: lib/log.ts, lib/proc/real.ts, lib/store/tree_io.ts, lib/store/types.ts,
 *   lib/store/zookeeper/mod.ts, lib/sync/sync.ts.
 */
import { deepEqual as assertEquals } from "node:assert/strict";
import { memoryLogger } from "../../lib/log.ts";
import { RealRunner } from "../../lib/proc/real.ts";
import { connectZooKeeper } from "../../lib/store/zookeeper/mod.ts";
import { getProperties } from "../../lib/store/tree_io.ts";
import type { Store } from "../../lib/store/types.ts";
import { syncRepository } from "../../lib/sync/sync.ts";
import { importTree } from "../support/harness/agent_cluster.ts";
import { deployScript, RealHost } from "../support/harness/agent_real_host.ts";
import { makeRepo } from "../support/harness/git_repo.ts";
import { waitFor } from "../support/harness/wait.ts";
import { startZooKeeper } from "../support/servers/zookeeper.ts";

const RULE = "INFO ============================================================";

async function hostVersion(store: Store, host: RealHost) {
  return (await getProperties(store, `/hosts/${host.id}`))?.version;
}

async function sync(store: Store, repo: string, treeDir: string): Promise<string> {
  const log = memoryLogger();
  const result = await syncRepository({
    store,
    runner: new RealRunner(),
    log,
    repoUrl: repo,
    treeDir,
  });
  assertEquals([result.status, log.lines.filter((l) => l.startsWith("ERROR"))], ["synced", []]);
  return result.commit!;
}

Deno.test("agent e2e: two hosts follow synced commits, each deploying only its own", async () => {
  const server = await startZooKeeper();
  const dir = await Deno.makeTempDir({ prefix: "agent-e2e-" });
  const store = await connectZooKeeper(server.connect);
  try {
    const web = (v: string) => ({ [v]: deployScript("webapp", v) });
    const a = await RealHost.make(dir, "0a0a0a0a0a0a", "host-a", {
      webapp: { ...web("1.0"), ...web("2.0") },
    });
    const b = await RealHost.make(dir, "0b0b0b0b0b0b", "host-b", {
      cache: { "3.1": deployScript("cache", "3.1") },
    });
    const repo = await makeRepo(dir);
    await repo.write(
      "cluster.zk",
      `/cust
  /web : webapp
    version = '1.0'
    /deploy
      /host-a
  /cache : cache
    version = '3.1'
    /deploy
      /0b0b0b0b0b0b
`,
    );
    await repo.commit("web and cache");
    const v1 = await sync(store, repo.path, `${dir}/checkout`);

    const agentA = a.spawnAgent(["--store", server.connect]);
    const agentB = b.spawnAgent(["--store", server.connect]);
    await waitFor(
      "both hosts at the first commit",
      async () => await hostVersion(store, a) === v1 && await hostVersion(store, b) === v1,
    );
    assertEquals(await a.deploys(), ["deployed webapp 1.0 /cust/web 0"]);
    assertEquals(await b.deploys(), ["deployed cache 3.1 /cust/cache 0"]);
    assertEquals(agentA.lines, [
      `INFO Agent starting, cluster ${v1}, host None`,
      RULE,
      `INFO Deploying version ${v1}`,
      "INFO yum -y clean all",
      "INFO yum -y install webapp-1.0",
      "INFO yum -q list installed webapp",
      "INFO /opt/webapp/bin/zookeeper-deploy /cust/web 0",
      `INFO Done deploying version ${v1}`,
    ]);

    await repo.write(
      "cluster.zk",
      `/cust
  /web : webapp
    version = '2.0'
    /deploy
      /host-a
        n = 2
`,
    );
    await repo.commit("webapp 2.0, twice; no cache");
    const v2 = await sync(store, repo.path, `${dir}/checkout`);
    await waitFor(
      "both hosts at the second commit",
      async () => await hostVersion(store, a) === v2 && await hostVersion(store, b) === v2,
    );
    assertEquals(await a.deploys(), [
      "deployed webapp 1.0 /cust/web 0",
      "deployed webapp 2.0 /cust/web 0",
      "deployed webapp 2.0 /cust/web 1",
    ]);
    assertEquals(await b.deploys(), [
      "deployed cache 3.1 /cust/cache 0",
      "undeployed cache 3.1 /cust/cache 0",
    ]);
    assertEquals(agentA.lines.slice(8), [
      RULE,
      `INFO Deploying version ${v2}`,
      "INFO yum -q list installed webapp",
      "INFO yum -y clean all",
      "INFO yum -y install webapp-2.0",
      "INFO yum -q list installed webapp",
      "INFO /opt/webapp/bin/zookeeper-deploy /cust/web 0",
      "INFO /opt/webapp/bin/zookeeper-deploy /cust/web 1",
      `INFO Done deploying version ${v2}`,
    ]);
    assertEquals(agentB.lines, [
      `INFO Agent starting, cluster ${v1}, host None`,
      RULE,
      `INFO Deploying version ${v1}`,
      "INFO yum -y clean all",
      "INFO yum -y install cache-3.1",
      "INFO yum -q list installed cache",
      "INFO /opt/cache/bin/zookeeper-deploy /cust/cache 0",
      `INFO Done deploying version ${v1}`,
      RULE,
      `INFO Deploying version ${v2}`,
      "INFO /opt/cache/bin/zookeeper-deploy -u /cust/cache 0",
      "INFO yum -y remove cache",
      `INFO Done deploying version ${v2}`,
    ]);
    assertEquals(await Deno.readTextFile(`${a.root}/etc/zim/host_version`), JSON.stringify(v2));

    assertEquals((await agentA.stop()).code, 0);
    assertEquals((await agentB.stop()).code, 0);
    assertEquals((await store.get("/hosts"))?.children, []);
  } finally {
    await store.close();
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("agent e2e: a hanging deploy script is killed at --command-timeout; ALL STOP", async () => {
  const server = await startZooKeeper();
  const dir = await Deno.makeTempDir({ prefix: "agent-e2e-" });
  const store = await connectZooKeeper(server.connect);
  try {
    const host = await RealHost.make(dir, "0c0c0c0c0c0c", "host-c", {
      slow: { "1.0": deployScript("slow", "1.0", true) },
    });
    await importTree(
      store,
      "/hosts\n  version = 7\n/cust\n  /slow : slow\n    version = '1.0'\n    /deploy\n      /host-c\n",
    );
    const agent = host.spawnAgent([
      "--store",
      server.connect,
      "--run-once",
      "--command-timeout",
      "1",
    ]);
    assertEquals((await agent.wait()).code, 1);
    assertEquals(agent.lines, [
      "INFO Agent starting, cluster 7, host None",
      RULE,
      "INFO Deploying version 7",
      "INFO yum -y clean all",
      "INFO yum -y install slow-1.0",
      "INFO yum -q list installed slow",
      "INFO /opt/slow/bin/zookeeper-deploy /cust/slow 0",
      "starting",
      "ERROR FAILURE",
      "ERROR deploying",
      "CommandError: Command failed: /opt/slow/bin/zookeeper-deploy /cust/slow 0 (timed out)",
      "CRITICAL FAILED deploying version 7",
    ]);
    assertEquals(await getProperties(store, "/hosts"), { version: null });
  } finally {
    await store.close();
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});
