/**
 * Two nodes, one Consul: the same events are fed to the handlers of nepri and tayt, run as
 * separate processes (`deno run handler.ts`, events on stdin as `consul watch` gives them), with
 * `docker` and `buttervolume` as fake executables on PATH that log their argv. The application
 * is deployed on nepri, then its master moves to tayt (nepri becomes the slave).
 *
 * Covers: handler.ts.
 *
 * @module
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { NAME, normalize, PROJECT, REPO } from "./fixtures_test.ts";
import { withCluster } from "../support/harness/handler_live.ts";

const HANDLER = new URL("../../handler.ts", import.meta.url).pathname;

/** A fake `docker` / `buttervolume`: logs its argv (and its directory for docker). */
const FAKE = `#!/bin/sh
name=$(basename "$0")
if [ "$name" = docker ]; then
  echo "$name $*  # in $(pwd)" >> "$FAKE_LOG"
else
  echo "$name $*" >> "$FAKE_LOG"
fi
if [ "$name" = buttervolume ] && [ "$1" = snapshot ]; then echo "$2@1"; fi
`;

Deno.test("two nodes: deploy on nepri, then move the master to tayt", async () => {
  await withCluster(async (fx, double) => {
    const bin = `${fx.root}/bin`;
    await Deno.mkdir(bin);
    for (const tool of ["docker", "buttervolume"]) {
      await Deno.writeTextFile(`${bin}/${tool}`, FAKE, { mode: 0o755 });
    }
    const nodes = ["nepri", "tayt"];
    const dirs = Object.fromEntries(
      await Promise.all(nodes.map(async (n) => [n, await fx.deployDir(n)])),
    );
    /** Runs every node's handler at once on the events Consul has seen (like consul watch). */
    const deliver = async () => {
      const events = await (await fetch(`${double.url}/v1/event/list`)).text();
      return await Promise.all(nodes.map(async (node) => {
        const child = new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "-A",
            HANDLER,
            "--consul",
            double.agentUrl(node),
            "--deploy-dir",
            dirs[node],
          ],
          env: {
            ...fx.gitEnv,
            PATH: `${bin}:${Deno.env.get("PATH")}`,
            FAKE_LOG: `${fx.root}/${node}.log`,
          },
          stdin: "piped",
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        const writer = child.stdin.getWriter();
        await writer.write(new TextEncoder().encode(events));
        await writer.close();
        const out = await child.output();
        return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
      }));
    };
    const fire = (payload: Record<string, unknown>) =>
      fetch(`${double.url}/v1/event/fire/deploy`, { method: "PUT", body: JSON.stringify(payload) })
        .then((r) => r.json()).then((e) => e.ID as string);
    const commands = async (node: string) =>
      normalize(
        (await Deno.readTextFile(`${fx.root}/${node}.log`).catch(() => "")).trimEnd().split("\n"),
        { [dirs[node]]: "/deploy" },
      ).split("\n").filter((l) => l !== "");

    const first = await fire({ repo: REPO, branch: "master", master: "nepri" });
    const run1 = await deliver();
    assertEquals(run1.map((r) => r.code), [0, 0], run1.map((r) => r.stderr).join("\n"));
    assertEquals(run1[1].stderr.includes(`INFO I'm still nothing for ${NAME}`), true);

    const second = await fire({ repo: REPO, branch: "master", master: "tayt", slave: "nepri" });
    const run2 = await deliver();
    assertEquals(run2.map((r) => r.code), [0, 0], run2.map((r) => r.stderr).join("\n"));
    for (const r of run2) {
      assertEquals(r.stderr.includes(`INFO Event already handled in the past: ${first}`), true);
    }

    const c1 = `/deploy/${NAME}-${first}`;
    const c2 = `/deploy/${NAME}-${second}`;
    assertEquals(await commands("nepri"), [
      // first event: nothing → master
      `docker compose -p ${PROJECT} pull  # in ${c1}`,
      `docker compose -p ${PROJECT} build --pull  # in ${c1}`,
      `docker compose -p ${PROJECT} up -d  # in ${c1}`,
      `buttervolume schedule snapshot 60 ${PROJECT}_dbdata`,
      `buttervolume schedule snapshot 60 ${PROJECT}_wwwdata`,
      `buttervolume schedule purge:1h:1d:1w:4w:1y 1440 ${PROJECT}_dbdata`,
      `buttervolume schedule purge:1h:1d:1w:4w:1y 1440 ${PROJECT}_wwwdata`,
      // second event: master → slave
      `docker compose -p ${PROJECT} down  # in ${c1}`,
      `buttervolume schedule snapshot 0 ${PROJECT}_dbdata`,
      `buttervolume schedule snapshot 0 ${PROJECT}_wwwdata`,
      `buttervolume schedule purge:1h:1d:1w:4w:1y 0 ${PROJECT}_dbdata`,
      `buttervolume schedule purge:1h:1d:1w:4w:1y 0 ${PROJECT}_wwwdata`,
      `buttervolume snapshot ${PROJECT}_dbdata`,
      `buttervolume send 10.0.0.2 ${PROJECT}_dbdata@1`,
      `buttervolume snapshot ${PROJECT}_wwwdata`,
      `buttervolume send 10.0.0.2 ${PROJECT}_wwwdata@1`,
      `docker compose -p ${PROJECT} down -v  # in ${c1}`,
      `buttervolume schedule purge:1h:1d:1w:4w:1y 1440 ${PROJECT}_dbdata`,
      `buttervolume schedule purge:1h:1d:1w:4w:1y 1440 ${PROJECT}_wwwdata`,
    ]);
    assertEquals(await commands("tayt"), [
      // second event: nothing → master, after nepri's transfer
      `docker compose -p ${PROJECT} pull  # in ${c2}`,
      `docker compose -p ${PROJECT} build --pull  # in ${c2}`,
      `buttervolume restore ${PROJECT}_dbdata`,
      `buttervolume restore ${PROJECT}_wwwdata`,
      `docker compose -p ${PROJECT} up -d  # in ${c2}`,
      `buttervolume schedule replicate:10.0.0.1 60 ${PROJECT}_dbdata`,
      `buttervolume schedule replicate:10.0.0.1 60 ${PROJECT}_wwwdata`,
      `buttervolume schedule purge:1h:1d:1w:4w:1y 1440 ${PROJECT}_dbdata`,
      `buttervolume schedule purge:1h:1d:1w:4w:1y 1440 ${PROJECT}_wwwdata`,
    ]);
    const doc = JSON.parse(double.kvText(`app/${NAME}`)!);
    assertEquals(
      [doc.master, doc.slave, doc.ip, doc.slave_ip, doc.deploy_id, doc.previous_deploy_id],
      ["tayt", "nepri", "10.0.0.2", "10.0.0.1", second, first],
    );
    assertEquals([...double.kv.keys()], [`app/${NAME}`], "no maintenance, transfer or lock key");
    assertEquals(Object.keys(double.services("tayt")), [NAME]);
    assertEquals(Object.keys(double.services("nepri")), []);
    // checkouts: nepri keeps the new one (slave), tayt has only the new one
    for (const node of nodes) {
      const entries = [];
      for await (const e of Deno.readDir(dirs[node])) entries.push(e.name);
      assertEquals(entries.sort(), ["handled_events.log", `${NAME}-${second}`]);
    }
  });
});
