/**
 * Progressive rollouts, the pace (issue 18): agent processes on a real ZooKeeper honour an app's
 * `max_parallel` (never more scripts at once, and really in parallel), keep today's app lock at
 * `max_parallel` 1 (a kazoo-format lock held outside our code still blocks it) and wait while a
 * kazoo-format `Semaphore` client outside our code holds every lease.
 *
 * Covers: lib/agent/slot.ts, lib/agent/app_guard.ts, lib/agent/rollout.ts,
 *   lib/store/recipe/semaphore.ts, lib/agent/host_report.ts.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { Buffer } from "node:buffer";
import zookeeper from "node-zookeeper-client";
import { getProperties } from "../../lib/store/tree_io.ts";
import {
  hostVersions,
  maxOverlap,
  timedScript,
  withRolloutFleet,
} from "../support/harness/rollout_fleet.ts";
import { waitFor } from "../support/harness/wait.ts";

const options = { sanitizeOps: false, sanitizeResources: false };

Deno.test(
  "max_parallel = 3, 6 hosts, 2 s scripts: at most 3 at once, at least 2, all converge",
  options,
  async () => {
    await withRolloutFleet(
      6,
      (log) => ({ "zookeeper-deploy": timedScript(log, 2) }),
      async (fleet) => {
        await fleet.deploy("max_parallel = 3");
        await waitFor(
          "all six at version 2",
          async () => (await hostVersions(fleet)).every((v) => v === 2),
          60_000,
        );
        const events = await fleet.events();
        equal(
          events.filter((e) => e.what === "start").length,
          6,
        );
        const most = maxOverlap(events);
        ok(most <= 3, `${most} scripts overlapped`);
        ok(most >= 2, `only ${most} script ran at a time`);
        // The semaphore is kazoo's: max_leases in the pool's data, no lease left.
        const pool = await fleet.store.get("/agent-rollouts/app,svc/leases");
        deepEqual([pool?.data, pool?.children], ["3", []]);
        // The hosts published their progress.
        const node = await getProperties(fleet.store, `/hosts/${fleet.hosts[0].id}`);
        deepEqual(node?.rollout, { "/app/svc": { version: 2, state: "healthy" } });
      },
    );
  },
);

Deno.test("max_parallel = 1 (the default): never two scripts at once", options, async () => {
  await withRolloutFleet(
    3,
    (log) => ({ "zookeeper-deploy": timedScript(log, 1) }),
    async (fleet) => {
      await fleet.deploy("max_parallel = 1");
      await waitFor(
        "all three at version 2",
        async () => (await hostVersions(fleet)).every((v) => v === 2),
        60_000,
      );
      const events = await fleet.events();
      equal(events.filter((e) => e.what === "start").length, 3);
      equal(maxOverlap(events), 1);
    },
  );
});

/** A raw ZooKeeper client (not our store), as a kazoo client would write its nodes. */
async function rawClient(connect: string) {
  const client = zookeeper.createClient(connect, { sessionTimeout: 4000, retries: 0 });
  await new Promise<void>((resolve) => {
    client.once("connected", () => resolve());
    client.connect();
  });
  const call = <T>(fn: (cb: (error: unknown, value?: T) => void) => void) =>
    new Promise<T>((resolve, reject) =>
      fn((error, value) => error ? reject(error) : resolve(value as T))
    );
  return {
    mkdirp: (path: string, data: string) =>
      call((cb) => client.mkdirp(path, Buffer.from(data), cb)),
    create: (path: string, data: string, sequential = false) =>
      call<string>((cb) =>
        client.create(
          path,
          Buffer.from(data),
          sequential ? zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL : zookeeper.CreateMode.EPHEMERAL,
          cb,
        )
      ),
    remove: (path: string) => call((cb) => client.remove(path, -1, cb)),
    close: () => client.close(),
  };
}

Deno.test(
  "interop: a kazoo Semaphore holding every lease makes agents wait; a kazoo Lock blocks max_parallel 1",
  options,
  async () => {
    await withRolloutFleet(
      2,
      (log) => ({ "zookeeper-deploy": timedScript(log, 0) }),
      async (fleet) => {
        const raw = await rawClient(fleet.server.connect);
        try {
          // kazoo: Semaphore(zk, "/agent-rollouts/app,svc/leases", "operator", max_leases=2) × 2.
          const pool = "/agent-rollouts/app,svc/leases";
          await raw.mkdirp(pool, "2");
          const hex = () => crypto.randomUUID().replaceAll("-", "");
          const leases = [
            await raw.create(`${pool}/${hex()}`, "operator"),
            await raw.create(`${pool}/${hex()}`, "operator"),
          ];
          await fleet.deploy("max_parallel = 2");
          await waitFor(
            "an agent to wait for a slot",
            () =>
              fleet.agents.some((a) =>
                a.lines.some((l) =>
                  l.startsWith("INFO Waiting for /app/svc: all 2 slots held (operator, operator)")
                )
              ),
            30_000,
          );
          await new Promise((r) => setTimeout(r, 500));
          deepEqual(await fleet.events(), []);
          await raw.remove(leases[0]);
          await waitFor(
            "both at version 2",
            async () => (await hostVersions(fleet)).every((v) => v === 2),
            30_000,
          );
          equal(maxOverlap(await fleet.events()), 1); // one lease was free
          await raw.remove(leases[1]);

          // kazoo: Lock(zk, "/agent-locks/app,svc", "operator") on an app with the default pace.
          await raw.mkdirp("/agent-locks/app,svc", "");
          const lock = await raw.create(`/agent-locks/app,svc/${hex()}__lock__`, "operator", true);
          await Deno.remove(fleet.log);
          await fleet.deploy("max_parallel = 1", 3);
          await waitFor(
            "an agent to wait for the lock",
            () =>
              fleet.agents.some((a) =>
                a.lines.includes("INFO Waiting for /app/svc: locked by operator")
              ),
            30_000,
          );
          await new Promise((r) => setTimeout(r, 500));
          deepEqual(await fleet.events(), []);
          await raw.remove(lock);
          await waitFor(
            "both at version 3",
            async () => (await hostVersions(fleet)).every((v) => v === 3),
            30_000,
          );
        } finally {
          raw.close();
        }
      },
    );
  },
);
