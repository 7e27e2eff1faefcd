/**
 * The demo (`clusterdeploy demo`), in-process into a temporary directory: each numbered
 * section's real content (tree, per-host plans, the agent's transcript and host node, the
 * handler's test-mode transcript), the state it leaves on disk, the simulated host's runner,
 * and once as a black box (`deno run -A main.ts demo`).
 *
 * Covers: lib/demo/demo.ts, lib/demo/git.ts, lib/demo/simulated_host.ts, lib/handler/app.ts,
 *   lib/log.ts, lib/proc/real.ts, main.ts.
 *
 * @module
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { runDemo } from "../../lib/demo/demo.ts";
import { DEMO_APP_URL } from "../../lib/demo/git.ts";
import { SimulatedHostRunner } from "../../lib/demo/simulated_host.ts";
import { appIdentity } from "../../lib/handler/app.ts";
import { memoryLogger } from "../../lib/log.ts";
import { RealRunner } from "../../lib/proc/real.ts";

const REPO_ROOT = new URL("../../", import.meta.url).pathname;

/** The printed sections by number (1 → its lines without the title), and the last part. */
function sections(lines: string[]): { byNumber: Map<number, string[]>; tail: string[] } {
  const byNumber = new Map<number, string[]>();
  let current: string[] = [];
  const tail: string[] = [];
  for (const line of lines) {
    const title = /^(\d+)\. /.exec(line);
    if (title) {
      current = [];
      byNumber.set(Number(title[1]), current);
    } else if (line.startsWith("== Try next")) {
      current = tail;
    } else {
      current.push(line.trim());
    }
  }
  return { byNumber, tail };
}

/** Asserts that `wanted` occur in `lines` in this order (not necessarily adjacent). */
function assertInOrder(lines: string[], wanted: string[], what: string) {
  let at = 0;
  for (const line of wanted) {
    const found = lines.indexOf(line, at);
    assert(found >= 0, `${what}: missing (or out of order) ${line}\n${lines.join("\n")}`);
    at = found + 1;
  }
}

Deno.test("demo: every section shows the real outcome, and it exits 0", async () => {
  const dir = await Deno.makeTempDir({ prefix: "demo-test-" });
  try {
    const printed: string[] = [];
    const log = memoryLogger();
    const code = await runDemo({ dir, print: (line) => printed.push(line), log });
    assertEquals(code, 0, printed.join("\n"));
    assertEquals(log.lines, []);
    const { byNumber, tail } = sections(printed);
    assertEquals([...byNumber.keys()], [1, 2, 3, 4, 5, 6, 7]);
    assert(printed[0].startsWith("== clusterdeploy demo, in "));

    const [repoLine, ...files] = byNumber.get(1)!.slice(1).filter((l) => l !== "");
    const commit = /\(commit ([0-9a-f]{40})\)/.exec(repoLine)?.[1];
    assert(commit, repoLine);
    assertEquals(files, ["NOTES.txt", "acme.zk", "globex.zk", "staging.zkx"]);

    assertInOrder(byNumber.get(2)!, [
      `INFO VCS Version: ${commit}`,
      "INFO ZK Version: initial",
      "INFO Importing acme.zk",
      "INFO Importing globex.zk",
      "INFO Importing staging.zkx",
    ], "sync log");

    assertInOrder(byNumber.get(3)!, [
      "/acme : customer",
      "/cms : z4m",
      "threads = 2",
      "version = '2.0.0'",
      "/web1",
      "n = 2",
      "/monitor : z4mmonitor",
      "/globex : customer",
      "/cache : varnish special",
      "/hosts",
      `version = '${commit}'`,
    ], "tree");

    const plans = byNumber.get(4)!.slice(1).filter((l) => l !== "");
    const cluster = `cluster version ${commit}, host version None`;
    assertEquals(plans, [
      `host 52:54:00:00:00:01 (web1): ${cluster}`,
      "package    z4m 2.0.0",
      "deploy     /opt/z4m/bin/zookeeper-deploy /acme/cms 0",
      "deploy     /opt/z4m/bin/zookeeper-deploy /acme/cms 1",
      `host 52:54:00:00:00:02 (ops): ${cluster}`,
      "package    z4mmonitor 1.1.0",
      "deploy     /opt/z4mmonitor/bin/zookeeper-deploy /acme/monitor 0",
      `host 52:54:00:00:00:03 (cache1, role cache): ${cluster}`,
      "package    varnish 7.1",
      "deploy     /opt/varnish/bin/zookeeper-deploy -r special /globex/cache 0",
    ]);

    const agent = byNumber.get(5)!;
    const start = agent.indexOf(`INFO Deploying version ${commit}`);
    const end = agent.indexOf(`INFO Done deploying version ${commit}`);
    assert(start > 0 && end > start, agent.join("\n"));
    assertEquals(agent.slice(start + 1, end), [
      "INFO yum -y clean all",
      "INFO yum -y install z4m-2.0.0",
      "INFO yum -q list installed z4m",
      "INFO /opt/z4m/bin/zookeeper-deploy /acme/cms 0",
      "INFO /opt/z4m/bin/zookeeper-deploy /acme/cms 1",
    ]);
    assertInOrder(agent, [
      "etc/z4m/acme,cms.0.deployed",
      "etc/z4m/acme,cms.1.deployed",
      "opt/z4m/bin/zookeeper-deploy",
      "/hosts",
      `version = '${commit}'`,
      "/52:54:00:00:00:01",
      "name = 'web1'",
      `version = '${commit}'`,
    ], "agent run");
    const root = `${await Deno.realPath(dir)}/hosts/web1`;
    assertEquals(await Deno.readTextFile(`${root}/etc/zim/host_version`), JSON.stringify(commit));
    await Deno.stat(`${root}/etc/z4m/acme,cms.1.deployed`);

    assertInOrder(byNumber.get(6)!, ["docker-compose.yml", "update.sh"], "app repository");

    const handler = byNumber.get(7)!;
    const id = /^event deploy ([0-9a-f-]{36}): /.exec(handler[1])?.[1];
    assert(id, handler[1]);
    const { name, project } = appIdentity(DEMO_APP_URL, "master");
    const checkout = `${await Deno.realPath(dir)}/deploy/node1/${name}-${id}`;
    assertInOrder(handler, [
      "-- on node1 (exit 0):",
      `log: INFO Role of node1 for ${name}: nothing → master`,
      `git clone --depth 1 --branch master -- ${DEMO_APP_URL} ${checkout}`,
      `docker compose -p ${project} pull  # in ${checkout}`,
      `docker compose -p ${project} up -d  # in ${checkout}`,
      `buttervolume schedule replicate:10.0.0.2 60 ${project}_webdata`,
      `buttervolume schedule replicate:10.0.0.2 60 ${project}_dbdata`,
      `PUT memory://consul/v1/kv/app/${name}`,
      `PUT memory://consul/v1/agent/service/register`,
      "-- on node2 (exit 0):",
      `log: INFO Role of node2 for ${name}: nothing → slave`,
      `buttervolume schedule purge:1h:1d:1w:4w:1y 1440 ${project}_webdata`,
      `buttervolume schedule purge:1h:1d:1w:4w:1y 1440 ${project}_dbdata`,
    ], "handler transcript");
    assert(tail.some((l) => l.includes("main.ts status --store file:")), tail.join("\n"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("demo: the simulated host's runner maps yum, sets TEST_ROOT, refuses other programs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "demo-runner-" });
  try {
    const yum = `${dir}/bin/yum`;
    await Deno.mkdir(`${dir}/bin`);
    await Deno.writeTextFile(
      yum,
      '#!/bin/sh\necho "yum $* root=$TEST_ROOT repo=$SIMULATED_YUM_REPO"\n',
    );
    await Deno.chmod(yum, 0o755);
    const runner = new SimulatedHostRunner(new RealRunner(), `${dir}/root`, {
      yum,
      repo: `${dir}/packages`,
    });
    const out = await runner.run(["yum", "-y", "clean", "all"]);
    assertEquals(out.code, 0, out.stderr);
    assertEquals(out.argv, ["yum", "-y", "clean", "all"]);
    assertEquals(out.stdout, `yum -y clean all root=${dir}/root repo=${dir}/packages\n`);
    const refused = await runner.run(["rm", "-rf", `${dir}/root`]);
    assertEquals(refused.code, 126);
    assert(refused.stderr.includes("refused: rm"), refused.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("demo: `deno run -A main.ts demo` as a black box exits 0", async () => {
  const dir = await Deno.makeTempDir({ prefix: "demo-cli-" });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", "main.ts", "demo", "--dir", `${dir}/work`],
      cwd: REPO_ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, `${stdout}\n${stderr}`);
    assert(stdout.includes("7. The handler in test mode"), stdout);
    assert(stdout.includes("== Try next"), stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("demo: refuses a --dir that is not empty, saying what to do", async () => {
  const dir = await Deno.makeTempDir({ prefix: "demo-busy-" });
  try {
    await Deno.writeTextFile(`${dir}/something`, "");
    const log = memoryLogger();
    const printed: string[] = [];
    assertEquals(await runDemo({ dir, print: (l) => printed.push(l), log }), 1);
    assertEquals(printed, []);
    assertEquals(log.lines.length, 1);
    assert(log.lines[0].startsWith(`ERROR The demo needs an empty directory and ${dir}`));
    assert(log.lines[0].includes("remove it, or give another --dir"), log.lines[0]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
