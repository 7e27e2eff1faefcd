/**
 * The handler for real (not test mode), in process: commands through the fake process runner
 * (git through a real one), Consul through the API double on loopback. De-duplication, failures
 * recorded in the KV document, the transfer notification, the per-application lock.
 *
 * Covers: lib/handler/consul.ts, lib/handler/effects.ts, lib/handler/event.ts,
 *   lib/handler/handle.ts, lib/log.ts, lib/proc/fake.ts.
 *
 * @module
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { memoryLogger } from "../../lib/log.ts";
import { FakeRunner } from "../../lib/proc/fake.ts";
import { HttpConsul } from "../../lib/handler/consul.ts";
import { describeRun } from "../../lib/handler/effects.ts";
import { type ConsulEvent, makeEvent } from "../../lib/handler/event.ts";
import { handleEvents } from "../../lib/handler/handle.ts";
import { type ConsulDouble } from "../support/servers/consul_double.ts";
import { type Fixtures, NAME, normalize, PROJECT, REPO } from "./fixtures_test.ts";
import { liveOptions, nodeRunner, withCluster } from "../support/harness/handler_live.ts";

interface Node {
  name: string;
  deployDir: string;
  runner: FakeRunner;
  log: string[];
  /** Handles events; returns the exit status. */
  handle(events: ConsulEvent[], options?: { lockWaitMs?: number }): Promise<number>;
  /** The commands run so far, with /deploy paths. */
  commands(): string[];
}

async function node(fx: Fixtures, double: ConsulDouble, name: string): Promise<Node> {
  const deployDir = await fx.deployDir(name);
  const runner = nodeRunner(fx);
  const logger = memoryLogger();
  return {
    name,
    deployDir,
    runner,
    log: logger.lines,
    async handle(events, options = {}) {
      const consul = new HttpConsul(double.agentUrl(name));
      try {
        return await handleEvents(
          events,
          liveOptions({
            consul,
            runner,
            logger,
            deployDir,
            node: name,
            print: () => {
              throw new Error("nothing is printed outside test mode");
            },
            lockWaitMs: options.lockWaitMs ?? 5000,
            transferTimeoutMs: 5000,
          }),
        );
      } finally {
        consul.close();
      }
    },
    commands: () =>
      runner.calls.map((c) =>
        normalize([describeRun(c.argv, c.options.cwd)], { [deployDir]: "/deploy" })
      ),
  };
}

const deployEvent = (id: string, master: string, slave?: string) =>
  makeEvent(id, "deploy", JSON.stringify({ repo: REPO, branch: "master", master, slave }));

const checkout = (id: string) => `/deploy/${NAME}-${id}`;

Deno.test("a first deployment for real: commands, KV document, service, no lock left", async () => {
  await withCluster(async (fx, double) => {
    const nepri = await node(fx, double, "nepri");
    assertEquals(await nepri.handle([deployEvent("ev-1", "nepri")]), 0);
    assertEquals(nepri.commands(), [
      `git clone --depth 1 --branch master -- ${REPO} ${checkout("ev-1")}`,
      `docker compose -p ${PROJECT} pull  # in ${checkout("ev-1")}`,
      `docker compose -p ${PROJECT} build --pull  # in ${checkout("ev-1")}`,
      `docker compose -p ${PROJECT} up -d  # in ${checkout("ev-1")}`,
      `buttervolume schedule snapshot 60 ${PROJECT}_dbdata`,
      `buttervolume schedule snapshot 60 ${PROJECT}_wwwdata`,
      `buttervolume schedule purge:1h:1d:1w:4w:1y 1440 ${PROJECT}_dbdata`,
      `buttervolume schedule purge:1h:1d:1w:4w:1y 1440 ${PROJECT}_wwwdata`,
    ]);
    const doc = JSON.parse(double.kvText(`app/${NAME}`)!);
    assertEquals([doc.master, doc.slave, doc.ip, doc.deploy_id], [
      "nepri",
      null,
      "10.0.0.1",
      "ev-1",
    ]);
    assertEquals(Object.keys(double.services("nepri")), [NAME]);
    assertEquals([...double.kv.keys()], [`app/${NAME}`], "no maintenance, lock or transfer key");
    assertEquals(double.sessions.size, 0);
    assertEquals(await Deno.readTextFile(`${nepri.deployDir}/handled_events.log`), "ev-1\n");
  });
});

Deno.test("an event is handled once: the second run skips it", async () => {
  await withCluster(async (fx, double) => {
    const nepri = await node(fx, double, "nepri");
    assertEquals(await nepri.handle([deployEvent("ev-1", "nepri")]), 0);
    const before = nepri.commands().length;
    assertEquals(await nepri.handle([deployEvent("ev-1", "nepri")]), 0);
    assertEquals(nepri.commands().length, before);
    assertEquals(nepri.log.at(-1), "INFO Event already handled in the past: ev-1");
  });
});

Deno.test("a failed step stops the event: exit 1, error in app/<name>, maintenance left on", async () => {
  await withCluster(async (fx, double) => {
    const nepri = await node(fx, double, "nepri");
    assertEquals(await nepri.handle([deployEvent("ev-1", "nepri")]), 0);
    nepri.runner.on(
      ["docker", "compose", "-p", PROJECT, "up"],
      { code: 1, stderr: "port is already allocated\n" },
    );
    assertEquals(await nepri.handle([deployEvent("ev-2", "nepri")]), 1);
    assertEquals(
      nepri.commands().slice(8).at(-1),
      `docker compose -p ${PROJECT} up -d  # in ${checkout("ev-2")}`,
    );
    const doc = JSON.parse(double.kvText(`app/${NAME}`)!);
    assertEquals(doc.error, {
      node: "nepri",
      event: "ev-2",
      step: `docker compose -p ${PROJECT} up -d  # in ${nepri.deployDir}/${NAME}-ev-2`,
      message: "exit status 1: port is already allocated",
    });
    assertEquals(doc.deploy_id, "ev-1", "the document still describes what is deployed");
    assertEquals(double.kvText(`maintenance/${NAME}`), "", "maintenance stays on");
  });
});

Deno.test("a failed send notifies the new master, which stops without restoring", async () => {
  await withCluster(async (fx, double) => {
    const nepri = await node(fx, double, "nepri");
    const edjo = await node(fx, double, "edjo");
    assertEquals(await nepri.handle([deployEvent("ev-1", "nepri")]), 0);
    nepri.runner.on(["buttervolume", "send"], { code: 1, stderr: "ssh: connection refused\n" });
    const [a, b] = await Promise.all([
      nepri.handle([deployEvent("ev-2", "edjo")]),
      edjo.handle([deployEvent("ev-2", "edjo")]),
    ]);
    assertEquals([a, b], [1, 1]);
    assertEquals(nepri.commands().slice(-2), [
      `buttervolume snapshot ${PROJECT}_dbdata`,
      `buttervolume send 10.0.0.3 ${PROJECT}_dbdata@1`,
    ]);
    assertEquals(edjo.commands().some((c) => c.startsWith("buttervolume restore")), false);
    assertEquals(JSON.parse(double.kvText(`migrate/${NAME}/failure`)!), {
      event: "ev-2",
      node: "nepri",
    });
    assertEquals(JSON.parse(double.kvText(`app/${NAME}`)!).error.node, "edjo", "last error stored");
  });
});

Deno.test("lock: a second handler for the same app waits for the first", async () => {
  await withCluster(async (fx, double) => {
    const first = await node(fx, double, "nepri");
    const second = await node(fx, double, "nepri");
    let unblock = () => {};
    const blocked = new Promise<void>((resolve) => unblock = resolve);
    first.runner.on(["docker", "compose", "-p", PROJECT, "pull"], async () => {
      await blocked;
      return {};
    });
    const one = first.handle([deployEvent("ev-1", "nepri")]);
    while (!first.runner.commandLines.some((c) => c.includes(" pull"))) await tick();
    const two = second.handle([deployEvent("ev-2", "nepri")]);
    const acquires = () =>
      double.requests.filter((r) =>
        r.query.includes("acquire") && r.path === `/v1/kv/lock/nepri/${NAME}`
      );
    while (acquires().length < 2) await tick();
    assertEquals(second.runner.calls, [], "the second handler runs nothing while the lock is held");
    unblock();
    assertEquals(await Promise.all([one, two]), [0, 0]);
    assertEquals(
      second.log.some((l) => l.startsWith(`INFO Waiting for the lock of ${NAME} on nepri`)),
      true,
    );
    assertEquals(JSON.parse(double.kvText(`app/${NAME}`)!).deploy_id, "ev-2");
  });
});

Deno.test("lock: refused clearly after the wait; the event is not recorded, so it runs later", async () => {
  await withCluster(async (fx, double) => {
    const nepri = await node(fx, double, "nepri");
    const session = (await (await fetch(`${double.url}/v1/session/create`, {
      method: "PUT",
      body: JSON.stringify({ Name: "someone else" }),
    }).then((r) => r.json())).ID) as string;
    await fetch(`${double.url}/v1/kv/lock/nepri/${NAME}?acquire=${session}`, {
      method: "PUT",
      body: '{"node":"nepri","event":"ev-0","pid":1}',
    }).then((r) => r.text());
    assertEquals(await nepri.handle([deployEvent("ev-1", "nepri")], { lockWaitMs: 0 }), 1);
    assertEquals(nepri.runner.calls, []);
    assertEquals(
      nepri.log.at(-1),
      `ERROR event ev-1: application ${NAME} is locked on nepri by another handler ` +
        `({"node":"nepri","event":"ev-0","pid":1}); gave up after 0 s (lock key lock/nepri/${NAME})`,
    );
    await fetch(`${double.url}/v1/session/destroy/${session}`, { method: "PUT" }).then((r) =>
      r.text()
    );
    assertEquals(await nepri.handle([deployEvent("ev-1", "nepri")]), 0);
    assertEquals(nepri.runner.calls.length, 8);
  });
});

function tick() {
  return new Promise((resolve) => setTimeout(resolve, 5));
}
