/**
 * Progressive rollouts made visible (issue 18): `plan` and `agent --dry-run` show each app's
 * rollout policy and the check this host would run (a bad policy as the agent's refusal);
 * `status` (text and `--json`) shows the apps being rolled out from what the agents published in
 * their host nodes' `rollout` property.
 *
 * Covers: lib/operator/rollout_status.ts, lib/operator/fleet_status.ts, lib/operator/plan_hosts.ts,
 *   lib/agent/rollout_policy.ts, lib/agent/cli_run.ts, lib/agent/health_check.ts.
 */
import { deepEqual, equal } from "node:assert/strict";
import { runEntrypoint } from "../support/harness/cli.ts";
import { importTree } from "../support/harness/agent_cluster.ts";
import { HOST_ID } from "../support/harness/agent_fake_host.ts";
import { withLocalBench } from "../support/harness/agent_local_bench.ts";
import { summariseRollouts } from "../../lib/operator/rollout_status.ts";

const TREE = `
/hosts
  version = 2
/cust
  /web : webapp
    version = '2.0'
    canary = 1
    max_parallel = 10
    health_url = 'http://127.0.0.1:8080/health'
    /deploy
      /424242424242
  /plain : plainapp
    version = '1.0'
    /deploy
      /424242424242
`;

Deno.test("agent --dry-run and plan: each app's policy and the check this host would run", async () => {
  await withLocalBench(async (bench, root, storeFile) => {
    await importTree(bench.store, TREE);
    const store = ["--store", `file:${storeFile}`, "--root", root, "--host-name", "host42"];
    // The package ships its health script on this host.
    await Deno.mkdir(`${root}/opt/webapp/bin`, { recursive: true });
    await Deno.writeTextFile(`${root}/opt/webapp/bin/zookeeper-health`, "#!/bin/sh\nexit 0\n");
    const run = await runEntrypoint("agent.ts", [...store, "--dry-run"]);
    equal(run.code, 0, run.stderr);
    const lines = run.stdout.trimEnd().split("\n");
    deepEqual(lines.slice(lines.indexOf("  rollout:")), [
      "  rollout:",
      "    /cust/web 0: max_parallel 10, canary 1, health_url http://127.0.0.1:8080/health, " +
      "min_healthy_time 10 s, healthy_deadline 300 s; check: GET http://127.0.0.1:8080/health " +
      "(2xx within 5 s) and /opt/webapp/bin/zookeeper-health /cust/web 0",
    ]);
    const plan = await runEntrypoint("main.ts", [
      "plan",
      "--store",
      `file:${storeFile}`,
      "--host",
      HOST_ID,
    ]);
    equal(plan.code, 0, plan.stderr);
    const planLines = plan.stdout.trimEnd().split("\n");
    deepEqual(planLines.slice(planLines.indexOf("  rollout:")), [
      "  rollout:",
      "    /cust/web 0: max_parallel 10, canary 1, health_url http://127.0.0.1:8080/health, " +
      "min_healthy_time 10 s, healthy_deadline 300 s; check: GET http://127.0.0.1:8080/health " +
      "(2xx within 5 s) (and /opt/webapp/bin/zookeeper-health /cust/web 0 if the package ships it)",
    ]);
    const json = JSON.parse(
      (await runEntrypoint("main.ts", [
        "plan",
        "--json",
        "--store",
        `file:${storeFile}`,
        "--host",
        HOST_ID,
      ])).stdout,
    );
    equal(json.hosts[0].rollout.length, 1);
    // A bad policy (written by another tool): the dry run fails as the agent would, and plan
    // shows the refusal.
    await importTree(bench.store, TREE.replace("max_parallel = 10", "max_parallel = 0"));
    const bad = await runEntrypoint("agent.ts", [...store, "--dry-run"]);
    equal(bad.code, 1);
    equal(
      bad.stderr.includes(
        'Refusing to deploy "/cust/web": max_parallel 0 must be a whole number from 1 to 10000',
      ),
      true,
      bad.stderr,
    );
    const badPlan = await runEntrypoint("main.ts", [
      "plan",
      "--store",
      `file:${storeFile}`,
      "--host",
      HOST_ID,
    ]);
    equal(
      badPlan.stdout.trimEnd().split("\n").at(-1),
      "    /cust/web 0: refused: max_parallel 0 must be a whole number from 1 to 10000",
    );
  });
});

Deno.test("status: the apps being rolled out, from the agents' host nodes (text and --json)", async () => {
  await withLocalBench(async (bench, _root, storeFile) => {
    const deadline = Math.round(Date.now() / 1000) + 120;
    const host = (id: string, state: string, version = 7, extra = "") =>
      `  /${id}\n    name = 'h${id}'\n    version = 6\n    rollout = {"/cust/web": ` +
      `{"version": ${version}, "state": "${state}"${extra}}}\n`;
    await importTree(
      bench.store,
      "/hosts\n  version = 7\n" + host("1", "healthy") + host("2", "deploying") +
        host("3", "checking", 7, `, "deadline": ${deadline}`) + host("4", "waiting-slot") +
        host("5", "waiting-canaries") + host("6", "healthy", 6),
    );
    const run = await runEntrypoint("main.ts", ["status", "--store", `file:${storeFile}`]);
    const lines = run.stdout.trimEnd().split("\n");
    equal(lines.at(-2), "rollouts:");
    const last = lines.at(-1)!;
    const left = /checking health 1 \((\d+) s left\)/.exec(last);
    equal(left !== null && Number(left[1]) > 100 && Number(left[1]) <= 120, true, last);
    equal(
      last.replace(/\(\d+ s left\)/, "(N s left)"),
      "  /cust/web: 1/6 hosts at the cluster version, deploying 1, checking health 1 (N s left), " +
        "waiting for a slot 1, waiting for canaries 1",
    );
    const json = JSON.parse(
      (await runEntrypoint("main.ts", ["status", "--json", "--store", `file:${storeFile}`])).stdout,
    );
    equal(json.rollouts.length, 1);
    deepEqual(
      { ...json.rollouts[0], secondsLeft: 0 },
      {
        path: "/cust/web",
        atVersion: 1,
        total: 6,
        deploying: 1,
        checking: 1,
        secondsLeft: 0,
        waitingSlot: 1,
        waitingCanaries: 1,
        failed: 0,
      },
    );
  });
});

Deno.test("status: an app healthy everywhere at the cluster version is not listed", () => {
  const node = (state: string) => ({ rollout: { "/a": { version: 3, state } } });
  deepEqual(summariseRollouts([node("healthy"), node("healthy")], 3, 0), []);
  equal(summariseRollouts([node("healthy"), node("failed")], 3, 0)[0].failed, 1);
});
