/**
 * Progressive rollouts, canaries (issue 18). Agent processes on a real ZooKeeper: with
 * `canary = 1` and `max_parallel = 4`, the canary's script ends and its check passes before any
 * other host's script starts, then the others go four at a time; a failing canary stops the
 * cluster and only it ran the release. On both stores: the canary record admits exactly N
 * canaries among racing hosts, and a version whose canaries passed is not gated again (an agent
 * restart).
 *
 * Covers: lib/agent/canary.ts, lib/agent/rollout.ts, lib/agent/app_guard.ts.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { getProperties } from "../../lib/store/tree_io.ts";
import { canaryGate, canaryHealthy, canaryPath } from "../../lib/agent/canary.ts";
import type { Deployment } from "../../lib/agent/deployments.ts";
import {
  hostVersions,
  maxOverlap,
  timedScript,
  withRolloutFleet,
} from "../support/harness/rollout_fleet.ts";
import { STORE_KINDS } from "../support/harness/stores.ts";
import { waitFor } from "../support/harness/wait.ts";

const options = { sanitizeOps: false, sanitizeResources: false };

/** A `zookeeper-health` that logs `check <host> <ms>` and exits `code`. */
const healthScript = (log: string, code: number) =>
  `#!/bin/sh\necho "check \${TEST_ROOT##*/} $(date +%s%3N)" >>'${log}'\nexit ${code}\n`;

Deno.test(
  "canary = 1, max_parallel = 4, 5 hosts: the canary ends and passes before any other starts",
  options,
  async () => {
    await withRolloutFleet(5, (log) => ({
      "zookeeper-deploy": timedScript(log, 1),
      "zookeeper-health": healthScript(log, 0),
    }), async (fleet) => {
      await fleet.deploy("canary = 1\nmax_parallel = 4\nmin_healthy_time = 0");
      await waitFor(
        "all five at version 2",
        async () => (await hostVersions(fleet)).every((v) => v === 2),
        60_000,
      );
      const events = await fleet.events();
      const starts = events.filter((e) => e.what === "start").sort((a, b) => a.at - b.at);
      equal(starts.length, 5);
      const canary = starts[0].host;
      const end = events.find((e) => e.what === "end" && e.host === canary)!;
      const check = (events as { what: string; host: string; at: number }[]).find((e) =>
        e.what === "check" && e.host === canary
      )!;
      for (const other of starts.slice(1)) {
        ok(other.at >= end.at, `${other.host} started before the canary ended`);
        ok(other.at >= check.at, `${other.host} started before the canary's check passed`);
      }
      ok(maxOverlap(events.filter((e) => e.what !== ("check" as string))) <= 4);
      const waited = fleet.agents.filter((a) =>
        a.lines.includes("INFO Waiting for /app/svc canaries (0 of 1 healthy)")
      );
      ok(waited.length >= 1, "the others said they wait for the canary");
    });
  },
);

Deno.test("a failing canary stops the cluster: only it ran the release", options, async () => {
  await withRolloutFleet(3, (log) => ({
    "zookeeper-deploy": timedScript(log, 0),
    "zookeeper-health": healthScript(log, 1),
  }), async (fleet) => {
    await fleet.deploy("canary = 1\nmax_parallel = 3\nmin_healthy_time = 0\nhealthy_deadline = 1");
    await waitFor(
      "the canary to fail and the others to abandon",
      () =>
        fleet.agents.filter((a) => a.lines.includes("CRITICAL FAILED deploying version 2"))
            .length ===
          1 &&
        fleet.agents.filter((a) =>
            a.lines.includes("WARNING Abandoning deployment because cluster version is None")
          ).length === 2,
      30_000,
    );
    equal((await fleet.events()).filter((e) => e.what === "start").length, 1);
    deepEqual(await getProperties(fleet.store, "/hosts"), { version: null });
  });
});

const d: Deployment = {
  app: "app",
  subtype: null,
  pkg: "app",
  version: "2.0",
  rawVersion: "2.0",
  path: "/app/svc",
  n: 0,
};

for (const kind of STORE_KINDS) {
  Deno.test(
    `canary record on ${kind.name}: exactly N canaries among racers; passed canaries are not repeated`,
    options,
    async () => {
      const fixture = await kind.make();
      try {
        const stores = await Promise.all([1, 2, 3, 4].map(() => fixture.open()));
        let stop = false;
        const gate = (i: number) =>
          canaryGate({ store: stores[i], hostId: `h${i}`, count: 2, shouldStop: () => stop }, d);
        // Four hosts start the version at once: two become canaries, two wait.
        const outcomes: (string | null)[] = [null, null, null, null];
        const all = [0, 1, 2, 3].map((i) => gate(i).then((o) => outcomes[i] = o));
        await waitFor("two canaries", () => outcomes.filter((o) => o === "canary").length === 2);
        await new Promise((r) => setTimeout(r, 300));
        equal(outcomes.filter((o) => o === null).length, 2);
        const canaries = [0, 1, 2, 3].filter((i) => outcomes[i] === "canary");
        // A canary restarting before it is healthy is still a canary.
        equal(await gate(canaries[0]), "canary");
        await canaryHealthy(stores[canaries[0]], `h${canaries[0]}`, d);
        await new Promise((r) => setTimeout(r, 200));
        equal(outcomes.filter((o) => o === null).length, 2, "one of two healthy: still waiting");
        await canaryHealthy(stores[canaries[1]], `h${canaries[1]}`, d);
        await Promise.all(all);
        equal(outcomes.filter((o) => o === "passed").length, 2);
        // After a restart, nobody is gated again for this version.
        for (const i of [0, 1, 2, 3]) equal(await gate(i), "passed");
        const record = JSON.parse((await stores[0].get(await canaryPath(d)))!.data);
        deepEqual(Object.values(record.canaries).sort(), ["healthy", "healthy"]);
        // A new version of the app: canaries again, and the old record goes.
        const next = { ...d, version: "3.0", rawVersion: "3.0" };
        equal(
          await canaryGate(
            { store: stores[0], hostId: "h0", count: 2, shouldStop: () => false },
            next,
          ),
          "canary",
        );
        equal(await stores[0].get(await canaryPath(d)), null);
        stop = true;
      } finally {
        await fixture.close();
      }
    },
  );
}
