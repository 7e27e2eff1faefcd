/**
 * Two real agents of one role, on both store kinds: they deploy one at a time under the role lock
 * `/role-locks/<role>` (the second waits until the first's ending-deployments has run), and a host
 * whose deployment failed keeps the role blocked until it deploys successfully.
 *
 * Covers: lib/agent/agent.ts, lib/agent/packages/yum.ts, lib/log.ts, lib/proc/fake.ts,
 *   lib/store/recipe/persistent_lock.ts, lib/store/types.ts.
 */
import { deepEqual, equal } from "node:assert/strict";
import { Agent } from "../../lib/agent/agent.ts";
import { YumPackageManager } from "../../lib/agent/packages/yum.ts";
import { memoryLogger } from "../../lib/log.ts";
import { FakeRunner } from "../../lib/proc/fake.ts";
import { readLockRequests } from "../../lib/store/recipe/persistent_lock.ts";
import type { Store, WatchOptions } from "../../lib/store/types.ts";
import { importTree, setClusterVersion } from "../support/harness/agent_cluster.ts";
import { writeFiles } from "../support/harness/agent_fake_host.ts";
import { STORE_KINDS, type StoreFixture } from "../support/harness/stores.ts";
import { waitFor } from "../support/harness/wait.ts";

const TREE = `/hosts
  version = 1
/roles
  /web : lb-rc
    version = '1.0'
/role-locks
  /web
/cust
  /app : z4m
    version = '1'
    /deploy
      /web
`;

interface Host {
  name: string;
  agent: Agent;
  logger: ReturnType<typeof memoryLogger>;
  root: string;
}

/**
 * A host of role web whose controller scripts and deploy script record events. Its deploy script
 * fails while `failing()` is true and runs until `holdUntil()` is true (bounded).
 */
async function startHost(
  name: string,
  store: Store,
  events: string[],
  behaviour: { holdUntil?: () => boolean; failing?: () => boolean } = {},
): Promise<Host> {
  const root = await Deno.makeTempDir({ prefix: `role-lock-${name}-` });
  await writeFiles(root, {
    "etc/zmh/pxemac": `${name}\n`,
    "etc/zim/role": "web\n",
    "etc/zim/host_version": "1",
    "opt/lb-rc/bin/starting-deployments": "",
    "opt/z4m/bin/zookeeper-deploy": "",
  });
  const versions: Record<string, string> = { "lb-rc": "1.0-1", z4m: "1-1" };
  const runner = new FakeRunner()
    .on(["yum"], (argv) => ({
      stdout: `Installed Packages\n${argv.at(-1)} \t${versions[argv.at(-1)!]} \tinstalled\n`,
    }))
    .on((argv) => argv[0].endsWith("-deployments"), (argv) => {
      events.push(`${name} ${argv[0].split("/").at(-1)}`);
      return {};
    })
    .on((argv) => argv[0].endsWith("/zookeeper-deploy"), async () => {
      events.push(`${name} deploys`);
      for (let i = 0; i < 400 && behaviour.holdUntil && !behaviour.holdUntil(); i++) {
        await new Promise((r) => setTimeout(r, 5));
      }
      return behaviour.failing?.() ? { code: 1, stdout: "broken\n" } : {};
    });
  const logger = memoryLogger();
  const agent = await Agent.start({
    store,
    runner,
    logger,
    root,
    hostName: `host-${name}`,
    packages: new YumPackageManager(),
  });
  agent.watch();
  return { name, agent, logger, root };
}

/** `store`, but while `muted()` its watches of `/hosts` report nothing (a late notification). */
function lateHostsWatch(store: Store, muted: () => boolean): Store {
  return new Proxy(store, {
    get(target, key) {
      if (key === "watch") {
        return (path: string, onChange: Parameters<Store["watch"]>[1], options?: WatchOptions) =>
          target.watch(path, (node) => {
            if (path !== "/hosts" || !muted()) onChange(node);
          }, options);
      }
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

const waiting = (host: Host) => () =>
  host.logger.lines.some((l) => l.startsWith("INFO Waiting for /role-locks/web: host "));

/** What a role lock test is given: the store, a control client, the hosts, their events. */
interface RoleCluster {
  fixture: StoreFixture;
  control: Store;
  hosts: Host[];
  events: string[];
}

/**
 * A test on `kind`: the store holds {@linkcode TREE}; the hosts the test starts are closed and
 * removed after it.
 */
function roleLockTest(
  kind: (typeof STORE_KINDS)[number],
  title: string,
  body: (cluster: RoleCluster) => Promise<void>,
): void {
  Deno.test({
    name: `role lock on ${kind.name}: ${title}`,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const fixture = await kind.make();
      const hosts: Host[] = [];
      try {
        const control = await fixture.open();
        await importTree(control, TREE);
        await body({ fixture, control, hosts, events: [] });
      } finally {
        for (const host of hosts) {
          await host.agent.close();
          await Deno.remove(host.root, { recursive: true });
        }
        await fixture.close();
      }
    },
  });
}

for (const kind of STORE_KINDS) {
  roleLockTest(
    kind,
    "hosts of a role deploy one at a time",
    async ({ fixture, control, hosts, events }) => {
      // Whoever deploys first holds its deploy script until the other is waiting for the lock.
      const other = (name: string) => hosts.find((h) => h.name !== name)!;
      for (const name of ["a", "b"]) {
        hosts.push(
          await startHost(name, await fixture.open(), events, {
            holdUntil: () => waiting(other(name))(),
          }),
        );
      }
      await setClusterVersion(control, 2);
      await waitFor("both hosts at version 2", () => hosts.every((h) => h.agent.version === 2));
      const first = events[0].split(" ")[0];
      const second = first === "a" ? "b" : "a";
      deepEqual(events, [
        `${first} starting-deployments`,
        `${first} deploys`,
        `${first} ending-deployments`,
        `${second} starting-deployments`,
        `${second} deploys`,
        `${second} ending-deployments`,
      ]);
      equal(waiting(hosts.find((h) => h.name === second)!)(), true);
      equal(waiting(hosts.find((h) => h.name === first)!)(), false);
      deepEqual(await readLockRequests(control, "/role-locks/web"), []);
    },
  );

  roleLockTest(
    kind,
    "a host whose turn comes reads the cluster version again",
    async ({ fixture, control, hosts, events }) => {
      let stopped = false;
      // a deploys first and holds on until the cluster is stopped; b's agent hears of the
      // stop late, so only a fresh read once it holds the role lock can tell it.
      hosts.push(
        await startHost("a", await fixture.open(), events, { holdUntil: () => stopped }),
      );
      await setClusterVersion(control, 2);
      await waitFor("a to deploy", () => events.includes("a deploys"));
      const b = await startHost("b", lateHostsWatch(await fixture.open(), () => stopped), events);
      hosts.push(b);
      await waitFor("b to wait", waiting(b));
      stopped = true;
      await setClusterVersion(control, null);
      await waitFor("a to finish", () => hosts[0].agent.version === 2);
      await waitFor(
        "b to abandon",
        () =>
          b.logger.lines.includes(
            "WARNING Abandoning deployment because cluster version is None",
          ),
      );
      await b.agent.settled();
      // a's deployment was under way: completed. b started nothing and gave its turn back.
      deepEqual(events, ["a starting-deployments", "a deploys", "a ending-deployments"]);
      equal(b.agent.version, 1);
      deepEqual(await readLockRequests(control, "/role-locks/web"), []);
    },
  );

  roleLockTest(
    kind,
    "a failed host keeps the role blocked until it is fixed",
    async ({ fixture, control, hosts, events }) => {
      let broken = true;
      // a's deploy script fails while broken; once b runs, it holds on until b waits its turn
      // (so that b queues behind a's request rather than seeing ALL STOP first).
      hosts.push(
        await startHost("a", await fixture.open(), events, {
          failing: () => broken,
          holdUntil: () => hosts.length < 2 || waiting(hosts[1])(),
        }),
      );
      // a fails: ALL STOP, and its request stays in the queue.
      await setClusterVersion(control, 2);
      await waitFor(
        "a to fail",
        () => a().logger.lines.includes("CRITICAL FAILED deploying version 2"),
      );
      deepEqual((await readLockRequests(control, "/role-locks/web"))?.map((r) => r.requestor), [
        "a",
      ]);
      // b joins and is told to deploy; it queues behind a's kept request.
      hosts.push(await startHost("b", await fixture.open(), events));
      await setClusterVersion(control, 3);
      await waitFor("b to wait", waiting(hosts[1]));
      await waitFor(
        "a to fail again",
        () => a().logger.lines.includes("CRITICAL FAILED deploying version 3"),
      );
      deepEqual((await readLockRequests(control, "/role-locks/web"))?.map((r) => r.requestor), [
        "a",
        "b",
      ]);
      equal(events.includes("b starting-deployments"), false);
      // Fixed: a deploys (adopting its request), then b gets its turn.
      broken = false;
      await setClusterVersion(control, 4);
      await waitFor("both hosts at version 4", () => hosts.every((h) => h.agent.version === 4));
      equal(
        events.indexOf("b starting-deployments") > events.lastIndexOf("a ending-deployments"),
        true,
      );
      deepEqual(await readLockRequests(control, "/role-locks/web"), []);

      function a() {
        return hosts[0];
      }
    },
  );
}
