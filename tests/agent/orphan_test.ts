/**
 * An agent killed with -9 on the embedded store while its deploy script runs: the script lives
 * on (orphaned), and what the dead agent held — its app lock and its host node — stays held until
 * that script ends (issue 8, item 6): another host deploying the same app waits for the lock,
 * and the restarted agent refuses to start beside its predecessor's work, so nobody runs the
 * same script beside the orphan.
 *
 * Covers: lib/store/open.ts, agent.ts, scripts/permissions.ts.
 *
 * @module
 */
import { deepEqual, equal, match } from "node:assert/strict";
import { openStore } from "../../lib/store/open.ts";
import { permissionFlags } from "../../scripts/permissions.ts";
import { importTree } from "../support/harness/agent_cluster.ts";
import { RealHost } from "../support/harness/agent_real_host.ts";
import { sleep, waitFor } from "../support/harness/wait.ts";

/** Logs its start and end; in between waits for `$TEST_ROOT/release` (30 s at most). */
const SCRIPT = `#!/bin/sh
set -eu
mkdir -p "$TEST_ROOT/var/log"
echo "start" >>"$TEST_ROOT/var/log/deploys.log"
i=0
while [ ! -e "$TEST_ROOT/release" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
echo "end" >>"$TEST_ROOT/var/log/deploys.log"
`;

/**
 * Agents run with `-A` (they read other processes' environments in /proc) and with exactly the
 * agent binary's permissions (Deno refuses /proc without --allow-all: they ask `ps`).
 */
const PERMISSIONS: [string, string[]][] = [
  ["-A", ["-A"]],
  ["the agent binary's permissions", permissionFlags("agent.ts")],
];

for (const [how, permissions] of PERMISSIONS) {
  Deno.test({
    name: `embedded store: a killed agent's app lock and host node stay held while its orphaned ` +
      `script runs (${how})`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const dir = await Deno.makeTempDir({ prefix: "agent-orphan-" });
      const connect = `file:${dir}/store.db`;
      const control = await openStore(connect);
      const packages = { slow: { "1.0": SCRIPT } };
      const c = await RealHost.make(dir, "0c0c0c0c0c0c", "host-c", packages);
      const d = await RealHost.make(dir, "0d0d0d0d0d0d", "host-d", packages);
      const release = () =>
        Promise.all([c, d].map((host) => Deno.writeTextFile(`${host.root}/release`, "")));
      const agents = [];
      try {
        await importTree(
          control,
          "/hosts\n  version = 7\n/cust\n  /slow : slow\n    version = '1.0'\n    /deploy\n" +
            "      /host-c\n      /host-d\n",
        );
        const first = c.spawnAgent(["--store", connect], permissions);
        agents.push(first);
        await waitFor(
          "host-c's deploy script to start",
          async () => (await c.deploys()).length > 0,
        );
        first.kill("SIGKILL");
        await first.wait();

        // host-d deploys the app too: it must wait for the app lock the dead agent's script holds.
        const other = d.spawnAgent(["--store", connect], permissions);
        agents.push(other);
        const restarted = c.spawnAgent(["--store", connect], permissions);
        agents.push(restarted);
        let code: number | undefined;
        restarted.wait().then((result) => code = result.code);
        await waitFor("the restarted agent to give up", () => code !== undefined, 30_000);
        equal(code, 1);
        match(restarted.lines.join("\n"), /Another agent is running for host 0c0c0c0c0c0c/);
        await waitFor(
          "host-d to wait for the app lock",
          () => other.lines.some((line) => line.startsWith("INFO Waiting for /cust/slow")),
          30_000,
        ).catch((error) => {
          throw new Error(`${error.message}:\n${other.lines.join("\n")}`);
        });
        await sleep(1000); // room for a wrong start to show
        deepEqual(await c.deploys(), ["start"], "the orphan runs alone");
        deepEqual(await d.deploys(), [], "nothing runs beside the orphan");

        await release();
        await waitFor("host-d's run after the orphan's end", async () => {
          return (await d.deploys()).length === 2;
        });
        deepEqual(await c.deploys(), ["start", "end"]);
        equal((await other.stop()).code, 0);
      } finally {
        for (const agent of agents) agent.kill("SIGKILL");
        await Promise.all(agents.map((agent) => agent.wait()));
        await release().catch(() => {});
        await control.close();
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}
