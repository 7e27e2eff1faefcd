/**
 * Rolling deployments: agents hold `/agent-locks/<app path>` around an app's deploy script, so
 * two hosts never run the same app's script at once (and a waiting host says why it waits).
 * Different apps deploy in parallel.
 *
 * Covers: lib/agent/app_guard.ts, lib/agent/deploy_command.ts, lib/agent/deployments.ts,
 *   lib/agent/execute.ts, lib/agent/packages/mod.ts, lib/log.ts, lib/proc/fake.ts,
 *   lib/store/recipe/lock.ts, lib/store/types.ts, lib/tree/codec.ts.
 */
import { deepEqual, equal, rejects } from "node:assert/strict";
import { appLockPath, CompletedScripts, guardDeploy } from "../../lib/agent/app_guard.ts";
import { CommandRunner } from "../../lib/agent/deploy_command.ts";
import type { Deployment } from "../../lib/agent/deployments.ts";
import { AbandonedError, executePlan } from "../../lib/agent/execute.ts";
import { packageManager } from "../../lib/agent/packages/mod.ts";
import { memoryLogger } from "../../lib/log.ts";
import { FakeRunner } from "../../lib/proc/fake.ts";
import { encodeProperties } from "../../lib/tree/codec.ts";
import type { Store } from "../../lib/store/types.ts";
import { acquireRecipeLock } from "../../lib/store/recipe/lock.ts";
import { localFixture } from "../support/harness/stores.ts";

function deployment(path: string): Deployment {
  return { app: "z4m", subtype: null, pkg: "z4m", version: "1", rawVersion: "1", path, n: 0 };
}

/**
 * One host deploying `paths`; its deploy scripts record when they start and end, and run until
 * `holdUntil` is among the events (when given; 2 s at most). A wait for the lock is recorded too.
 */
async function host(
  name: string,
  store: Store,
  paths: string[],
  events: string[],
  holdUntil?: string,
) {
  const root = await Deno.makeTempDir({ prefix: `agent-lock-${name}-` });
  const logger = memoryLogger();
  const runner = new FakeRunner().on(
    (argv) => argv[0].endsWith("zookeeper-deploy"),
    async (argv) => {
      events.push(`${name} starts ${argv[1]}`);
      // Bounded, so that a broken lock fails the assertions instead of hanging the test.
      for (let i = 0; i < 400 && holdUntil !== undefined && !events.includes(holdUntil); i++) {
        await new Promise((r) => setTimeout(r, 5));
      }
      events.push(`${name} ends ${argv[1]}`);
      return {};
    },
  );
  try {
    await executePlan(paths.map((p) => ({ kind: "deploy", deployment: deployment(p) })), {
      commands: new CommandRunner({ runner, logger, root, verbose: false }),
      logger,
      root,
      packages: packageManager("yum"),
      guardDeploy: (d, run) =>
        guardDeploy(
          {
            store,
            logger: {
              ...logger,
              info: (line: string) => {
                if (line.startsWith("Waiting for")) events.push(`${name} waits`);
                logger.info(line);
              },
            },
            host: { id: `id-${name}`, name, role: null },
            version: 1,
            completed: new CompletedScripts(1),
            stopCluster: () => Promise.resolve(),
          },
          d,
          run,
        ),
    });
    return logger.lines;
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("two hosts deploying one app take turns; the second says whom it waits for", async () => {
  const fixture = await localFixture();
  try {
    await (await fixture.open()).create("/hosts", encodeProperties({ version: 1 }));
    const events: string[] = [];
    const started = async (what: string) => {
      while (!events.includes(what)) await new Promise((r) => setTimeout(r, 5));
    };
    const [a, b] = await Promise.all([
      // a's script runs until b is waiting for the app.
      host("a", await fixture.open(), ["/cust/app"], events, "b waits"),
      started("a starts /cust/app").then(async () =>
        host("b", await fixture.open(), ["/cust/app"], events)
      ),
    ]);
    deepEqual(events, [
      "a starts /cust/app",
      "b waits",
      "a ends /cust/app",
      "b starts /cust/app",
      "b ends /cust/app",
    ]);
    equal(a.some((l) => l.startsWith("INFO Waiting")), false);
    equal(b.includes("INFO Waiting for /cust/app: locked by a (id-a)"), true);
  } finally {
    await fixture.close();
  }
});

Deno.test("different apps deploy at the same time on different hosts", async () => {
  const fixture = await localFixture();
  try {
    await (await fixture.open()).create("/hosts", encodeProperties({ version: 1 }));
    const events: string[] = [];
    await Promise.all([
      // Each script runs until the other host's has started: only possible in parallel.
      host("a", await fixture.open(), ["/cust/one"], events, "b starts /cust/two"),
      host("b", await fixture.open(), ["/cust/two"], events, "a starts /cust/one"),
    ]);
    equal(events.includes("a waits") || events.includes("b waits"), false);
  } finally {
    await fixture.close();
  }
});

Deno.test("under a role controller: the app lock still counts, the re-check and the failure ordering hold", async () => {
  const fixture = await localFixture();
  try {
    const store = await fixture.open();
    await store.create("/hosts", encodeProperties({ version: 1 }));
    // An operator pauses the app with a standard lock client: hosts under a role wait too.
    const paused = await acquireRecipeLock(await fixture.open(), appLockPath("/cust/app"), {
      identifier: "operator",
    });
    const events: string[] = [];
    let underway = false;
    const guard = (run: () => Promise<unknown>, signal = AbortSignal.timeout(5_000)) =>
      guardDeploy(
        {
          store,
          logger: memoryLogger(),
          host: { id: "id-a", name: "a", role: "web" },
          version: 1,
          completed: new CompletedScripts(1),
          stopCluster: (error) => {
            events.push(`stop: ${(error as Error).message}`);
            return Promise.resolve();
          },
          // Bounded, so that a wait for the paused app ends instead of hanging the test.
          signal,
          mayAbandon: () => !underway,
        },
        deployment("/cust/app"),
        run,
      );
    await rejects(
      guard(() => Promise.resolve(events.push("ran while paused")), AbortSignal.timeout(300)),
    );
    equal(events.length, 0);
    await paused.release();
    await guard(() => Promise.resolve(events.push("ran")));
    deepEqual(events, ["ran"]);
    equal((await store.get(appLockPath("/cust/app")))?.children.length, 0);

    // The cluster stops: abandoned before starting-deployments ran, completed after.
    await store.set("/hosts", encodeProperties({ version: null }));
    await rejects(guard(() => Promise.resolve(events.push("ran again"))), AbandonedError);
    underway = true;
    await guard(() => Promise.resolve(events.push("completed")));
    deepEqual(events, ["ran", "completed"]);

    // A failing script stops the cluster before the guard gives the failure back.
    await rejects(
      guard(() => {
        events.push("fails");
        return Promise.reject(new Error("boom"));
      }).finally(() => events.push("guard done")),
      /boom/,
    );
    deepEqual(events.slice(2), ["fails", "stop: boom", "guard done"]);
  } finally {
    await fixture.close();
  }
});
