/**
 * The agent given bad input: an unreadable host id, a tree property of the wrong type, a second
 * agent for the same host, bad flags; and `--dry-run`, which prints the plan and changes nothing.
 *
 * Covers: lib/agent/agent.ts, agent.ts.
 */
import { deepEqual as assertEquals, rejects } from "node:assert/strict";
import { Agent } from "../../lib/agent/agent.ts";
import { HOST_ID } from "../support/harness/agent_fake_host.ts";
import { importTree } from "../support/harness/agent_cluster.ts";
import { deploying, failed } from "../support/harness/agent_transcript.ts";
import { runEntrypoint } from "../support/harness/cli.ts";
import { withLocalBench } from "../support/harness/agent_local_bench.ts";

Deno.test("bad input: an unreadable pxemac stops the agent with a clear error", async () => {
  await withLocalBench(async (bench, root, storeFile) => {
    const pxemac = `${root}/etc/zmh/pxemac`;
    await Deno.remove(pxemac);
    await rejects(Agent.start(bench.options()), {
      message: `Cannot read the host id from ${pxemac}: no such file`,
    });
    await Deno.mkdir(pxemac);
    await rejects(Agent.start(bench.options()), (error: Error) => {
      assertEquals(error.message.startsWith(`Cannot read the host id from ${pxemac}: `), true);
      return true;
    });
    await Deno.remove(pxemac);
    await Deno.writeTextFile(pxemac, "\n");
    await rejects(Agent.start(bench.options()), {
      message: `Cannot read the host id from ${pxemac}: bad first line ''`,
    });
    const run = await runEntrypoint("agent.ts", ["--store", `file:${storeFile}`, "--root", root]);
    assertEquals([run.code, run.stdout, run.stderr], [
      1,
      "",
      `error: Agent cannot start: Cannot read the host id from ${pxemac}: bad first line ''\n`,
    ]);
  });
});

Deno.test("bad input: a NUL byte in the pxemac or role file is named, file and problem", async () => {
  await withLocalBench(async (_bench, root, storeFile) => {
    const pxemac = `${root}/etc/zmh/pxemac`;
    await Deno.writeTextFile(pxemac, "ab\0c\n");
    const args = ["--store", `file:${storeFile}`, "--root", root, "--run-once"];
    let run = await runEntrypoint("agent.ts", args);
    assertEquals([run.code, run.stdout, run.stderr], [
      1,
      "",
      `error: Agent cannot start: Cannot read the host id from ${pxemac}: bad first line ` +
      `'ab\\x00c' (node name 'ab\\x00c' holds U+0000, which ZooKeeper does not accept in a path)\n`,
    ]);
    await Deno.writeTextFile(pxemac, `${HOST_ID}\n`);
    const role = `${root}/etc/zim/role`;
    await Deno.mkdir(`${root}/etc/zim`, { recursive: true });
    await Deno.writeTextFile(role, "web\u0001\n");
    run = await runEntrypoint("agent.ts", args);
    assertEquals([run.code, run.stderr], [
      1,
      `error: Agent cannot start: Cannot read the role from ${role}: bad first line ` +
      `'web\\x01' (node name 'web\\x01' holds U+0001, which ZooKeeper does not accept in a path)\n`,
    ]);
  });
});

Deno.test("bad input: n = 'x' fails the deployment, ALL STOP, error on the host node", async () => {
  await withLocalBench(async (bench) => {
    await bench.importTree(`
/hosts
  version = 1
/cust
  /app : z4m
    version = '1.0.0'
    /deploy
      /424242424242
        n = 'x'
`);
    await bench.start();
    assertEquals(bench.take(), ["INFO Agent starting, cluster 1, host 1"]);
    const error = "Invalid n at /cust/app/deploy/424242424242: 'x' (expected a whole number)";
    assertEquals(await bench.setVersion(2), deploying(2, failed(2, `DeploymentError: ${error}`)));
    assertEquals(
      await bench.print(),
      `/hosts
  version = None
  /${HOST_ID}
    error = "${error}"
    name = 'host42'
    version = 1
`,
    );
  });
});

Deno.test("bad input: a second agent for the same host id is refused", async () => {
  await withLocalBench(async (bench) => {
    await bench.importTree("/hosts\n  version = 1\n");
    await bench.start();
    await rejects(Agent.start(bench.options()), {
      message: `Another agent is running for host ${HOST_ID}: /hosts/${HOST_ID} exists`,
    });
  });
});

Deno.test("cli: usage errors exit 2; --dry-run prints the plan and changes nothing", async () => {
  await withLocalBench(async (bench, root, storeFile) => {
    const store = ["--store", `file:${storeFile}`, "--root", root, "--host-name", "host42"];
    for (const bad of [["--command-timeout", "soon"], ["--package-manager", "brew"], ["--nope"]]) {
      assertEquals((await runEntrypoint("agent.ts", [...store, ...bad])).code, 2);
    }
    await importTree(
      bench.store,
      `
/hosts
  version = 2
/cust
  /someapp
    /cms : z4m
      version = '2.0.0'
      /deploy
        /host42
          n = 2
`,
    );
    const run = await runEntrypoint("agent.ts", [...store, "--dry-run"]);
    assertEquals([run.code, run.stderr], [0, ""]);
    assertEquals(run.stdout.split("\n"), [
      `Host ${HOST_ID} (host42): cluster version 2, host version 1`,
      "  undeploy   /opt/z4m/bin/zookeeper-deploy -u /cust2/someapp/cms 0",
      "  undeploy   /opt/z4mmonitor/bin/zookeeper-deploy -u /cust/someapp/monitor 0",
      "  package    z4m 2.0.0",
      "  deploy     /opt/z4m/bin/zookeeper-deploy /cust/someapp/cms 0",
      "  deploy     /opt/z4m/bin/zookeeper-deploy /cust/someapp/cms 1",
      "  remove     package z4mmonitor",
      "  remove     /etc/z4mmonitor (when empty)",
      "",
    ]);
    assertEquals(await bench.print(), "/hosts\n  version = 2\n");
    assertEquals(await Deno.readTextFile(`${root}/etc/zim/host_version`), "1");
  });
});
