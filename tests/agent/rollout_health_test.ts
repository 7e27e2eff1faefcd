/**
 * Progressive rollouts, the health gate (issue 18). Agent processes on a real ZooKeeper: a
 * `health_url` answering 500 fails its host after `healthy_deadline` (ALL STOP with the error,
 * written before the slot is left: no other host ran the script), and a check that passes after
 * 3 s holds the slot until the host was healthy for `min_healthy_time`. The package's
 * `zookeeper-health` script (real scripts, real processes): exit 1 unhealthy until the deadline,
 * exit 3 an error at once, exit 0 healthy; with a URL too, both must pass. A bad policy written
 * by another tool: ALL STOP, nothing run.
 *
 * Covers: lib/agent/health_check.ts, lib/agent/rollout.ts, lib/agent/app_guard.ts,
 *   lib/agent/rollout_policy.ts, lib/agent/check.ts.
 */
import { deepEqual, equal, match, ok, rejects } from "node:assert/strict";
import { getProperties } from "../../lib/store/tree_io.ts";
import { HealthCheckError, waitHealthy } from "../../lib/agent/health_check.ts";
import { rolloutPolicy } from "../../lib/agent/rollout_policy.ts";
import type { Deployment } from "../../lib/agent/deployments.ts";
import { memoryLogger } from "../../lib/log.ts";
import { RealRunner } from "../../lib/proc/real.ts";
import { writeFiles } from "../support/harness/agent_fake_host.ts";
import { hostVersions, timedScript, withRolloutFleet } from "../support/harness/rollout_fleet.ts";
import { waitFor } from "../support/harness/wait.ts";

const options = { sanitizeOps: false, sanitizeResources: false };

/** A loopback server answering `/health` with `status(now)`; its URL and the 2xx answer times. */
function healthServer(status: () => number) {
  const answers: number[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => {
    const code = status();
    if (code >= 200 && code < 300) answers.push(Date.now());
    return new Response(code === 200 ? "ok" : "broken: database unreachable", { status: code });
  });
  const url = `http://127.0.0.1:${server.addr.port}/health`;
  return { url, answers, close: () => server.shutdown() };
}

const STOPPED = "CRITICAL FAILED deploying version 2";
const ABANDONED = "WARNING Abandoning deployment because cluster version is None";

Deno.test(
  "health_url answering 500: fails after healthy_deadline, ALL STOP, no other host ran it",
  options,
  async () => {
    const health = healthServer(() => 500);
    try {
      await withRolloutFleet(
        3,
        (log) => ({ "zookeeper-deploy": timedScript(log, 0) }),
        async (fleet) => {
          await fleet.deploy(
            `health_url = '${health.url}'\nhealthy_deadline = 2\nmin_healthy_time = 0`,
          );
          await waitFor(
            "one to fail, the others to abandon",
            () =>
              fleet.agents.filter((a) => a.lines.includes(STOPPED)).length === 1 &&
              fleet.agents.filter((a) => a.lines.includes(ABANDONED)).length === 2,
            30_000,
          );
          const events = await fleet.events();
          equal(events.filter((e) => e.what === "start").length, 1, "one script ran");
          deepEqual(await getProperties(fleet.store, "/hosts"), { version: null });
          const nodes = await Promise.all(
            fleet.hosts.map((h) => getProperties(fleet.store, `/hosts/${h.id}`)),
          );
          const failed = nodes.filter((n) => n?.error !== undefined);
          equal(failed.length, 1);
          match(
            String(failed[0]!.error),
            /^health check of \/app\/svc 0 failed after 2 s: HTTP 500 broken: database unreachable$/,
          );
          deepEqual(nodes.map((n) => n?.version), [1, 1, 1]);
          deepEqual((failed[0]!.rollout as Record<string, unknown>)["/app/svc"], {
            version: 2,
            state: "failed",
          });
        },
      );
    } finally {
      await health.close();
    }
  },
);

Deno.test(
  "a check passing after 3 s with min_healthy_time 2: the next host starts only after",
  options,
  async () => {
    let first: number | null = null;
    const health = healthServer(() => {
      first ??= Date.now();
      return Date.now() - first >= 3_000 ? 200 : 503;
    });
    try {
      await withRolloutFleet(
        2,
        (log) => ({ "zookeeper-deploy": timedScript(log, 0) }),
        async (fleet) => {
          await fleet.deploy(
            `health_url = '${health.url}'\nmin_healthy_time = 2\nhealthy_deadline = 30`,
          );
          await waitFor(
            "both at version 2",
            async () => (await hostVersions(fleet)).every((v) => v === 2),
            60_000,
          );
          const starts = (await fleet.events()).filter((e) => e.what === "start").map((e) => e.at)
            .sort();
          equal(starts.length, 2);
          // The first host was healthy once two passing answers, 2 s apart, came: only then did the
          // second host's script start.
          ok(health.answers.length >= 2);
          ok(
            starts[1] > health.answers[1],
            `second start ${starts[1]}, healthy at ${health.answers[1]}`,
          );
          ok(health.answers[1] - health.answers[0] >= 2_000);
        },
      );
    } finally {
      await health.close();
    }
  },
);

Deno.test("an agent stopped during a health wait: no failure, no ALL STOP", options, async () => {
  const health = healthServer(() => 503);
  try {
    await withRolloutFleet(
      1,
      (log) => ({ "zookeeper-deploy": timedScript(log, 0) }),
      async (fleet) => {
        await fleet.deploy(`health_url = '${health.url}'\nhealthy_deadline = 60`);
        await waitFor(
          "the health wait",
          () =>
            fleet.agents[0].lines.some((l) => l.startsWith("INFO Checking health of /app/svc 0")),
          30_000,
        );
        equal((await fleet.agents[0].stop()).code, 0);
        equal(fleet.agents[0].lines.some((l) => l.startsWith("CRITICAL")), false);
        deepEqual(await getProperties(fleet.store, "/hosts"), { version: 2 });
      },
    );
  } finally {
    await health.close();
  }
});

Deno.test(
  "a bad policy written by another tool: the agent refuses, ALL STOP, nothing run",
  options,
  async () => {
    await withRolloutFleet(
      1,
      (log) => ({ "zookeeper-deploy": timedScript(log, 0) }),
      async (fleet) => {
        await fleet.deploy("max_parallel = 0");
        await waitFor("the agent to fail", () => fleet.agents[0].lines.includes(STOPPED), 30_000);
        // The failure is logged first, then ALL STOP is set and the host node's error written.
        const hostNode = () => getProperties(fleet.store, `/hosts/${fleet.hosts[0].id}`);
        await waitFor(
          "the host node's error",
          async () => (await hostNode())?.error != null,
          10_000,
        );
        deepEqual(await fleet.events(), []);
        deepEqual(await getProperties(fleet.store, "/hosts"), { version: null });
        const node = await hostNode();
        equal(
          node?.error,
          'Refusing to deploy "/app/svc": max_parallel 0 must be a whole number from 1 to 10000',
        );
        equal(fleet.agents[0].lines.some((l) => l.includes("yum")), false);
      },
    );
  },
);

/** `waitHealthy` on a temp root whose package `app` ships `zookeeper-health` = `script`. */
async function check(script: string | null, policy: Deployment["policy"]) {
  const root = await Deno.makeTempDir({ prefix: "health-" });
  try {
    if (script !== null) {
      await writeFiles(root, { "opt/app/bin/zookeeper-health": script });
      await Deno.chmod(`${root}/opt/app/bin/zookeeper-health`, 0o755);
    }
    const d: Deployment = {
      app: "app",
      subtype: null,
      pkg: "app",
      version: "1",
      rawVersion: "1",
      path: "/app/svc",
      n: 0,
      policy,
    };
    const logger = memoryLogger();
    await waitHealthy({ runner: new RealRunner(), root, logger }, d, rolloutPolicy(d));
    return logger.lines;
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

const script = (code: number, say = "") => `#!/bin/sh\necho "${say} $1 $2"\nexit ${code}\n`;

Deno.test("zookeeper-health: exit 0 healthy, exit 1 unhealthy until the deadline, exit 3 an error at once", async () => {
  const lines = await check(script(0, "fine"), { min_healthy_time: 0 });
  ok(lines.includes("INFO Healthy: /app/svc 0"), lines.join("\n"));
  await rejects(
    check(script(1, "warming up"), { min_healthy_time: 0, healthy_deadline: 1 }),
    (e) => {
      ok(e instanceof HealthCheckError);
      match(
        e.message,
        /^health check of \/app\/svc 0 failed after 1 s: zookeeper-health exit 1: warming up \/app\/svc 0$/,
      );
      return true;
    },
  );
  const started = Date.now();
  await rejects(check(script(3, "crashed"), { healthy_deadline: 60 }), (e) => {
    ok(e instanceof HealthCheckError);
    match(
      e.message,
      /^health check of \/app\/svc 0 failed after 0 s: zookeeper-health exit 3: crashed/,
    );
    return true;
  });
  ok(Date.now() - started < 30_000, "an error exit fails at once, not at the deadline");
  // No check at all: healthy at once, nothing logged.
  deepEqual(await check(null, { min_healthy_time: 5 }), []);
});

Deno.test("zookeeper-health and health_url both present: both must pass", async () => {
  const health = healthServer(() => 500);
  const good = healthServer(() => 200);
  try {
    await rejects(
      check(script(0), { health_url: health.url, min_healthy_time: 0, healthy_deadline: 1 }),
      /failed after 1 s: HTTP 500/,
    );
    await rejects(
      check(script(1, "down"), { health_url: good.url, min_healthy_time: 0, healthy_deadline: 1 }),
      /failed after 1 s: zookeeper-health exit 1: down/,
    );
    const before = good.answers.length;
    const lines = await check(script(0), { health_url: good.url, min_healthy_time: 0 });
    ok(lines.includes("INFO Healthy: /app/svc 0"));
    equal(good.answers.length, before + 1);
  } finally {
    await health.close();
    await good.close();
  }
});
