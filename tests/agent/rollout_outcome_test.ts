/**
 * An agent's outcome for a rollout is neither lost nor duplicated (issue 19) when the agent is
 * killed (-9) in the middle of the deployment and started again, started once more after, or
 * loses its ZooKeeper connection (server frozen) while deploying. Real ZooKeeper, real git,
 * agent processes.
 *
 * Covers: lib/agent/rollout_outcome.ts, lib/agent/bump.ts, lib/agent/agent.ts,
 *   lib/sync/rollout_bump.ts.
 */
import { deepEqual, equal } from "node:assert/strict";
import { decodeRecord, isRecordName, recordPath } from "../../lib/cluster/mod.ts";
import { getProperties } from "../../lib/store/tree_io.ts";
import type { Store } from "../../lib/store/types.ts";
import { connectZooKeeper } from "../../lib/store/zookeeper/mod.ts";
import { type AgentProcess, deployScript, RealHost } from "../support/harness/agent_real_host.ts";
import { makeRepo } from "../support/harness/git_repo.ts";
import { runSync } from "../support/harness/sync_run.ts";
import { sleep, waitFor } from "../support/harness/wait.ts";
import { startZooKeeper } from "../support/servers/zookeeper.ts";

/** A deploy script that takes a while, then deploys as {@linkcode deployScript} does. */
function slowScript(version: string): string {
  return deployScript("web", version).replace("set -eu\n", "set -eu\nsleep 2\n");
}

/** The outcomes (host id → data) of the newest record of `version`. */
async function outcomes(store: Store, version: string): Promise<Record<string, string>> {
  const names = ((await store.get("/rollouts"))?.children ?? []).filter(isRecordName).sort();
  for (const name of names.reverse()) {
    const node = (await store.get(recordPath(name)))!;
    const record = decodeRecord(node.data);
    if (!record.ok || record.value.version !== version) continue;
    const result: Record<string, string> = {};
    for (const host of node.children) {
      result[host] = (await store.get(`${recordPath(name)}/${host}`))!.data;
    }
    return result;
  }
  throw new Error(`no record of ${version}`);
}

Deno.test(
  "rollout outcome: agent kill -9 and restart, a second restart, and a frozen server while deploying",
  { sanitizeOps: false, sanitizeResources: false },
  async () => {
    const server = await startZooKeeper();
    const dir = await Deno.makeTempDir({ prefix: "outcome-" });
    const store = await connectZooKeeper(server.connect);
    let agent: AgentProcess | undefined;
    try {
      const host = await RealHost.make(dir, "00000000000a", "host-a", {
        web: {
          "1.0": deployScript("web", "1.0"),
          "2.0": slowScript("2.0"),
          "3.0": slowScript("3.0"),
        },
      });
      const repo = await makeRepo(dir);
      const tree = (v: string) =>
        `/app\n  /web : web\n    version = '${v}'\n    /deploy\n      /host-a\n`;
      // Reads fail while the server is frozen or just back: the condition is then not met yet.
      const at = (v: string) => async () =>
        (await getProperties(store, `/hosts/${host.id}`).catch(() => null))?.version === v;
      const release = async (v: string) => {
        await repo.write("app.zk", tree(v));
        const commit = await repo.commit(`web ${v}`);
        equal((await runSync(store, repo.path, dir)).result.status, "synced");
        return commit;
      };
      const deploying = (a: AgentProcess, v: string) => () =>
        a.lines.some((l) => l === "INFO /opt/web/bin/zookeeper-deploy /app/web 0") &&
        a.lines.some((l) => l === `INFO yum -y install web-${v}`);
      const a = await release("1.0");
      agent = host.spawnAgent(["--store", server.connect]);
      await waitFor("host at A", at(a), 30_000);

      // Killed while its deploy script runs, then started again: one outcome, done.
      const b = await release("2.0");
      await waitFor("deploying B", deploying(agent, "2.0"), 30_000);
      agent.kill("SIGKILL");
      await agent.wait();
      deepEqual(await outcomes(store, b), {}, "no outcome before the deployment ended");
      // The dead agent's node would go with its session; take it away now.
      await store.delete(`/hosts/${host.id}`).catch(() => {});
      await sleep(2500); // the orphaned script ends (its marker and log line are written)
      agent = host.spawnAgent(["--store", server.connect]);
      await waitFor("host at B", at(b), 30_000);
      await waitFor("B's outcome", async () => Object.keys(await outcomes(store, b)).length > 0);
      const first = await outcomes(store, b);
      deepEqual(Object.keys(first), [host.id]);
      equal(JSON.parse(first[host.id]).result, "done");
      // Started once more: nothing to deploy, the outcome stays as it is.
      await agent.stop();
      agent = host.spawnAgent(["--store", server.connect]);
      await waitFor(
        "agent started",
        () => agent!.lines.some((l) => l.startsWith("INFO Agent starting")),
      );
      await sleep(500);
      deepEqual(await outcomes(store, b), first);

      // The server frozen while the deploy script runs: the outcome is written once it is back.
      const c = await release("3.0");
      const current = agent;
      await waitFor("deploying C", deploying(current, "3.0"), 30_000);
      server.pause();
      await sleep(4000);
      server.resume();
      await waitFor("host at C", at(c), 30_000);
      await waitFor(
        "C's outcome",
        async () => Object.keys(await outcomes(store, c).catch(() => ({}))).length > 0,
        30_000,
      );
      const third = await outcomes(store, c);
      deepEqual(Object.keys(third), [host.id]);
      equal(JSON.parse(third[host.id]).result, "done");
    } finally {
      await agent?.stop();
      await store.close();
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
