/**
 * Deploys refused before they change anything: a Caddy site another application serves, and a
 * compose file that cannot be read (the other events of the batch still run). Live mode, commands
 * through the fake runner (git and rm for real).
 *
 * Covers: lib/handler/consul.ts, lib/handler/event.ts, lib/handler/handle.ts, lib/log.ts.
 *
 * @module
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { HttpConsul } from "../../lib/handler/consul.ts";
import { makeEvent } from "../../lib/handler/event.ts";
import { handleEvents } from "../../lib/handler/handle.ts";
import { memoryLogger } from "../../lib/log.ts";
import { type ConsulDouble } from "../support/servers/consul_double.ts";
import { type Fixtures, NAME, normalize, PROJECT, REPO } from "./fixtures_test.ts";
import { liveOptions, nodeRunner, withCluster } from "../support/harness/handler_live.ts";

/** Handles events live on `node`; returns exit status, error lines, commands (paths as /deploy). */
async function handle(fx: Fixtures, double: ConsulDouble, node: string, events: unknown[]) {
  const deployDir = await fx.deployDir(node);
  const runner = nodeRunner(fx, { realRm: true });
  const logger = memoryLogger();
  const consul = new HttpConsul(double.url);
  try {
    const code = await handleEvents(
      events,
      liveOptions({ consul, runner, logger, deployDir, node }),
    );
    return {
      code,
      deployDir,
      errors: logger.lines.filter((l) => /^(ERROR|CRITICAL)/.test(l)),
      commands: runner.commandLines.map((c) => normalize([c], { [deployDir]: "/deploy" })),
    };
  } finally {
    consul.close();
  }
}

const OTHER = "blog_master.12345";
const otherApp = {
  master: "tayt",
  slave: null,
  ip: "10.0.0.2",
  deploy_id: "ev-0",
  urls: "https://blog.example.com, http://www.lycee-test-mlf.example.com",
  domains: ["blog.example.com", "www.lycee-test-mlf.example.com"],
  caddyfile: "https://blog.example.com, http://WWW.lycee-test-mlf.example.com/ {\n" +
    "    proxy / blogmaster12345_web_1:80\n}",
};
const deploy = (master: string) =>
  makeEvent("ev-2", "deploy", JSON.stringify({ repo: REPO, branch: "master", master }));

Deno.test("a site another application serves: the new master refuses before anything runs", async () => {
  await withCluster(async (fx, double) => {
    double.kvSet(`app/${OTHER}`, otherApp);
    const keys = [...double.kv.keys()];
    const run = await handle(fx, double, "nepri", [deploy("nepri")]);
    assertEquals(run.code, 1);
    assertEquals(run.errors, [
      `ERROR event ev-2: deploy of ${NAME}: http://www.lycee-test-mlf.example.com is already ` +
      `served by app ${OTHER}`,
    ]);
    assertEquals(run.commands, [
      `git clone --depth 1 --branch master -- ${REPO} /deploy/${NAME}-ev-2`,
      `rm -rf -- /deploy/${NAME}-ev-2`,
    ], "the fresh checkout is removed again");
    assertEquals([...double.kv.keys()], keys, "nothing written to Consul");
    assertEquals([...Deno.readDirSync(run.deployDir)].map((e) => e.name), ["handled_events.log"]);
  });
});

Deno.test("a site another application serves: the leaving master refuses too, its app keeps running", async () => {
  await withCluster(async (fx, double) => {
    double.kvSet(`app/${OTHER}`, otherApp);
    double.kvSet(`app/${NAME}`, {
      master: "nepri",
      slave: null,
      ip: "10.0.0.1",
      deploy_id: "ev-1",
      volumes: [`${PROJECT}_dbdata`],
    });
    const before = double.kvText(`app/${NAME}`);
    const run = await handle(fx, double, "nepri", [deploy("edjo")]);
    assertEquals(run.code, 1);
    assertEquals(run.errors.length, 1);
    assertEquals(run.errors[0].endsWith(`is already served by app ${OTHER}`), true, run.errors[0]);
    assertEquals(
      run.commands.filter((c) => !c.startsWith("git clone")),
      [],
      "no maintenance, no compose down, no send",
    );
    assertEquals(double.kvText(`app/${NAME}`), before);
    assertEquals(double.kvText(`maintenance/${NAME}`), undefined);
  });
});

Deno.test("a compose file that cannot be read: a clean error for that event, the batch goes on", async () => {
  await withCluster(async (fx, double) => {
    const repo = `${fx.root}/git/hosting/lycee-test-mlf`;
    const git = (...args: string[]) =>
      new Deno.Command("git", {
        args: ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args],
        cwd: repo,
        stdout: "null",
        stderr: "null",
      }).output();
    await git("checkout", "-q", "-b", "broken");
    await Deno.writeTextFile(`${repo}/docker-compose.yml`, "services:\n  web: {}\n  web: [\n");
    await git("commit", "-q", "-am", "broken compose file");
    await git("checkout", "-q", "master");
    const broken = makeEvent(
      "ev-broken",
      "deploy",
      JSON.stringify({ repo: REPO, branch: "broken", master: "nepri" }),
    );
    const run = await handle(fx, double, "nepri", [broken, deploy("nepri")]);
    assertEquals(run.code, 1);
    assertEquals(run.errors.length, 1, run.errors.join("\n"));
    const app = "lycee-test-mlf_broken.3d9eb";
    assertEquals(
      run.errors[0],
      `CRITICAL event ev-broken: deploy of ${app} failed at planning: compose file ` +
        `${run.deployDir}/${app}-ev-broken/docker-compose.yml: 3:3 Map keys must be unique`,
    );
    assertEquals(run.commands.filter((c) => c.includes("broken")), [
      `git clone --depth 1 --branch broken -- ${REPO} /deploy/${app}-ev-broken`,
    ], "nothing but the clone for the broken event");
    assertEquals(run.commands.length, 9, "the good event ran");
  });
});
