/**
 * The handler end to end on two real Docker engines (`node1`, `node2`: private dockerd each,
 * see tests/support/servers/docker_engine.ts), a private registry holding a busybox image, real
 * docker-compose 1.29, real git repositories of a compose application, the Consul API double,
 * and the buttervolume stand-in (tests/support/bin/buttervolume) on PATH. Each node's handler
 * runs as a process, fed `consul watch`-style event batches on standard input, talking to its
 * own engine through DOCKER_HOST. Every story checks the engines' state (containers, volumes,
 * file contents), not the handler's log.
 *
 * The replicated volumes of the test application use the `local` driver (the handler runs with
 * `--volume-driver local`): buttervolume's plugin needs BTRFS and cannot run here.
 *
 * Covers: lib/handler/app.ts, lib/handler/event.ts, handler.ts.
 *
 * @module
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { appIdentity } from "../../lib/handler/app.ts";
import { type ConsulEvent, makeEvent } from "../../lib/handler/event.ts";
import { type CliRun, runEntrypoint } from "../support/harness/cli.ts";
import { type ConsulDouble, startConsulDouble } from "../support/servers/consul_double.ts";
import {
  capture,
  DOCKER_CLI,
  DOCKER_COMPOSE,
  type DockerEngine,
  pushBusybox,
  type Registry,
  startEngine,
  startRegistry,
} from "../support/servers/docker_engine.ts";

const SUPPORT_BIN = new URL("../support/bin", import.meta.url).pathname;
const MEMBERS = [{ name: "node1", addr: "10.0.0.1" }, { name: "node2", addr: "10.0.0.2" }];
const REPO = "https://git.example.com/hosting/shop";
const SHOP = appIdentity(REPO, "master");
const PREPROD = appIdentity(REPO, "preprod");
const NON_MIGRABLE = "com.github.mlfmonde.cluster.nonmigrable";

/** A service that notes each start in its volume and stops at once on SIGTERM. */
function service(image: string, volumes: string[], mount: string, extra = ""): string {
  return `    image: ${image}
    network_mode: none
    command: ["sh", "-c", "trap 'exit 0' TERM; echo started >> ${mount}/starts; sleep 86400 & wait"]
    volumes: [${volumes.map((v) => `"${v}"`).join(", ")}]
${extra}`;
}

/**
 * The application's compose file: web (data, cache; serves `site`) and db (dbdata). Each branch
 * serves its own site: a site another application serves refuses the deploy.
 */
function composeFile(
  image: string,
  webImage = image,
  dbLabels = "",
  site = "http://shop.example.com",
): string {
  const caddy = `    environment:
      CADDYFILE: "${site} {\\n    proxy / $CONTAINER:80\\n}"
`;
  return `version: "2.4"
services:
  web:
${service(webImage, ["data:/data", "cache:/cache"], "/data", caddy)}  db:
${service(image, ["dbdata:/db"], "/db")}volumes:
  data:
    driver: local
  dbdata:
    driver: local
${dbLabels}  cache: {}
`;
}

async function git(cwd: string, ...args: string[]) {
  const out = await capture(
    ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", ...args],
    { cwd },
  );
  if (out.code !== 0) throw new Error(`git ${args.join(" ")}: ${out.stderr}`);
}

/** The application's repository: `master`, and `preprod` (non-migrable dbdata, post_migrate). */
async function makeRepo(root: string, image: string) {
  const repo = `${root}/git/hosting/shop`;
  await Deno.mkdir(repo, { recursive: true });
  await git(repo, "init", "-q", "-b", "master");
  await Deno.writeTextFile(`${repo}/docker-compose.yml`, composeFile(image));
  await Deno.writeTextFile(`${repo}/update.sh`, 'echo "$@" > update.out\n');
  await git(repo, "add", ".");
  await git(repo, "commit", "-q", "-m", "shop");
  await git(repo, "checkout", "-q", "-b", "preprod");
  await Deno.writeTextFile(
    `${repo}/docker-compose.yml`,
    composeFile(
      image,
      image,
      `    labels:\n      ${NON_MIGRABLE}: "true"\n`,
      "http://preprod.shop.example.com",
    ),
  );
  await Deno.writeTextFile(
    `${repo}/post_migrate.sh`,
    'echo "$@" > "$(dirname "$0")/post_migrate.out"\n',
  );
  await git(repo, "add", ".");
  await git(repo, "commit", "-q", "-m", "preprod");
  await git(repo, "checkout", "-q", "master");
  return {
    /** Commits a new compose file on master. */
    async commitMaster(text: string, message: string) {
      await Deno.writeTextFile(`${repo}/docker-compose.yml`, text);
      await git(repo, "commit", "-q", "-a", "-m", message);
    },
    gitEnv: {
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: `url.file://${root}/git/hosting/.insteadOf`,
      GIT_CONFIG_VALUE_0: "https://git.example.com/hosting/",
    },
  };
}

interface Node {
  name: string;
  engine: DockerEngine;
  deployDir: string;
  env: Record<string, string>;
  /** Runs this node's handler on a batch of events. */
  handle(events: ConsulEvent[]): Promise<CliRun>;
}

function makeNode(
  root: string,
  name: string,
  engine: DockerEngine,
  double: ConsulDouble,
  gitEnv: Record<string, string>,
): Node {
  const deployDir = `${root}/${name}/deploy`;
  const env = {
    ...gitEnv,
    PATH: `${SUPPORT_BIN}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`,
    DOCKER_HOST: engine.host,
    BUTTERVOLUME_SNAPSHOTS: `${root}/${name}/snapshots`,
    BUTTERVOLUME_PEERS: MEMBERS.map((m) => `${m.addr}=${root}/${m.name}/snapshots`).join(" "),
    BUTTERVOLUME_LOG: `${root}/${name}/buttervolume.log`,
    BUTTERVOLUME_DOCKER: DOCKER_CLI,
  };
  return {
    name,
    engine,
    deployDir,
    env,
    handle: (events) =>
      runEntrypoint("handler.ts", [
        "--consul",
        double.agentUrl(name),
        "--node",
        name,
        "--deploy-dir",
        deployDir,
        "--compose",
        DOCKER_COMPOSE,
        "--volume-driver",
        "local",
        "--lock-wait",
        "30",
        "--transfer-timeout",
        "60",
      ], { env, stdin: JSON.stringify(events) }),
  };
}

/** Sends a batch to every node at once, as Consul does; returns each node's run. */
async function broadcast(nodes: Node[], events: ConsulEvent[]): Promise<CliRun[]> {
  return await Promise.all(nodes.map((n) => n.handle(events)));
}

const deploy = (id: string, branch: string, master: string, slave?: string, update = false) =>
  makeEvent(id, "deploy", JSON.stringify({ repo: REPO, branch, master, slave, update }));

/** The names of the running containers. */
async function running(engine: DockerEngine): Promise<string[]> {
  return (await engine.docker("ps", "--format", "{{.Names}}")).split("\n").filter((l) => l)
    .sort();
}

/** The names of all containers, running or not. */
async function containers(engine: DockerEngine): Promise<string[]> {
  return (await engine.docker("ps", "-a", "--format", "{{.Names}}")).split("\n").filter((l) => l)
    .sort();
}

async function volumes(engine: DockerEngine): Promise<string[]> {
  return (await engine.docker("volume", "ls", "-q")).split("\n").filter((l) => l).sort();
}

/** A file in a volume, read on the engine's disk (the container may be stopped). */
async function volumeFile(engine: DockerEngine, volume: string, path: string): Promise<string> {
  const mountpoint = (await engine.docker("volume", "inspect", "-f", "{{.Mountpoint}}", volume))
    .trim();
  return await Deno.readTextFile(`${mountpoint}/${path}`);
}

/** A file read inside a running container. */
async function inContainer(engine: DockerEngine, container: string, path: string) {
  return await engine.docker("exec", container, "cat", path);
}

function ok(runs: CliRun[]) {
  for (const [i, run] of runs.entries()) {
    assertEquals(run.code, 0, `node${i + 1}'s handler failed:\n${run.stderr}`);
  }
}

Deno.test("handler on two real Docker engines: deploy, redeploy, move the master, migrate, fail and recover, move back, destroy", async (t) => {
  const root = await Deno.makeTempDir({ prefix: "handler-docker-" });
  const closers: Array<() => Promise<void>> = [];
  try {
    const started = await Promise.allSettled([
      startRegistry(root),
      startEngine(root, "node1"),
      startEngine(root, "node2"),
    ]);
    for (const s of started) if (s.status === "fulfilled") closers.push(s.value.close);
    for (const s of started) if (s.status === "rejected") throw s.reason;
    const [registry, e1, e2] = started.map((s) => (s as PromiseFulfilledResult<unknown>).value) as [
      Registry,
      DockerEngine,
      DockerEngine,
    ];
    const image = await pushBusybox(e1, registry);
    const double = startConsulDouble(MEMBERS);
    closers.push(() => double.close());
    const repo = await makeRepo(root, image);
    const node1 = makeNode(root, "node1", e1, double, repo.gitEnv);
    const node2 = makeNode(root, "node2", e2, double, repo.gitEnv);
    const nodes = [node1, node2];
    const P = SHOP.project;
    const PP = PREPROD.project;
    const app = () => JSON.parse(double.kvText(`app/${SHOP.name}`) ?? "null");

    await t.step(
      "deploy: runs on node1's engine with its volumes; KV, service, no maintenance",
      async () => {
        ok(await broadcast(nodes, [deploy("ev-1", "master", "node1", "node2")]));
        assertEquals(await running(e1), [`${P}_db_1`, `${P}_web_1`]);
        assertEquals(await containers(e2), []);
        assertEquals(await volumes(e1), [`${P}_cache`, `${P}_data`, `${P}_dbdata`]);
        assertEquals(await volumes(e2), []);
        const doc = app();
        assertEquals(
          [doc.master, doc.slave, doc.ip, doc.slave_ip, doc.deploy_id],
          ["node1", "node2", "10.0.0.1", "10.0.0.2", "ev-1"],
        );
        assertEquals(doc.volumes, [`${P}_data`, `${P}_dbdata`]);
        assertEquals(doc.ct, { web: `${P}_web_1`, db: `${P}_db_1` });
        assertEquals(doc.urls, "http://shop.example.com");
        // The front's directives are forced on the site (see the README's app/<name> document).
        assertEquals(
          doc.caddyfile,
          `http://shop.example.com {
    proxy / ${P}_web_1:80 {
        websocket
        insecure_skip_verify
        header_upstream Host {host}
        header_upstream X-Real-IP {remote}
        header_upstream X-Forwarded-Proto {scheme}
    }
    gzip
    timeouts 300s
    log / stdout "{hostonly} - {>X-Forwarded-For} - {user} [{when}] \\"{method} {uri} {proto}\\" {status} {size} \\"{>Referer}\\" \\"{>User-Agent}\\""
}`,
        );
        assertEquals(Object.keys(double.services("node1")), [SHOP.name]);
        assertEquals(double.services("node2"), {});
        assertEquals(double.kvText(`maintenance/${SHOP.name}`), undefined);
        // The checkout's .env names the project: plain `docker-compose ps` there finds the app.
        const checkout = `${node1.deployDir}/${SHOP.name}-ev-1`;
        assertEquals(await Deno.readTextFile(`${checkout}/.env`), `COMPOSE_PROJECT_NAME=${P}\n`);
        const ps = await capture([DOCKER_COMPOSE, "ps", "-q"], {
          cwd: checkout,
          env: { DOCKER_HOST: e1.host },
        });
        const ids = (await e1.docker("ps", "-q", "--no-trunc")).split("\n").filter((l) => l);
        assertEquals(ps.stdout.split("\n").filter((l) => l).sort(), ids.sort(), ps.stderr);
        // The stand-in's argv log: replication to the slave scheduled on the master, purge on both.
        const calls = async (node: Node) =>
          (await Deno.readTextFile(node.env.BUTTERVOLUME_LOG)).trim().split("\n");
        assertEquals(await calls(node1), [
          `buttervolume schedule replicate:10.0.0.2 60 ${P}_data`,
          `buttervolume schedule replicate:10.0.0.2 60 ${P}_dbdata`,
          `buttervolume schedule purge:1h:1d:1w:4w:1y 1440 ${P}_data`,
          `buttervolume schedule purge:1h:1d:1w:4w:1y 1440 ${P}_dbdata`,
        ]);
        assertEquals(await calls(node2), [
          `buttervolume schedule purge:1h:1d:1w:4w:1y 1440 ${P}_data`,
          `buttervolume schedule purge:1h:1d:1w:4w:1y 1440 ${P}_dbdata`,
        ]);
      },
    );

    await t.step(
      "redeploy with update: the data written in the master's volumes is still there",
      async () => {
        await e1.docker("exec", `${P}_web_1`, "sh", "-c", "echo written-on-node1 > /data/note");
        await e1.docker("exec", `${P}_db_1`, "sh", "-c", "echo db-of-node1 > /db/note");
        ok(await broadcast(nodes, [deploy("ev-2", "master", "node1", "node2", true)]));
        assertEquals(await running(e1), [`${P}_db_1`, `${P}_web_1`]);
        assertEquals(await inContainer(e1, `${P}_web_1`, "/data/note"), "written-on-node1\n");
        assertEquals(await inContainer(e1, `${P}_web_1`, "/data/starts"), "started\nstarted\n");
        assertEquals(app().deploy_id, "ev-2");
        assertEquals(
          await Deno.readTextFile(`${node1.deployDir}/${SHOP.name}-ev-2/update.out`),
          `-r ${REPO} -b master\n`,
          "update.sh ran in the new checkout",
        );
      },
    );

    await t.step(
      "move the master to node2: the data follows, node1 keeps nothing running",
      async () => {
        ok(await broadcast(nodes, [deploy("ev-3", "master", "node2", "node1")]));
        assertEquals(await containers(e1), []);
        assertEquals(await volumes(e1), []);
        assertEquals(await running(e2), [`${P}_db_1`, `${P}_web_1`]);
        assertEquals(await inContainer(e2, `${P}_web_1`, "/data/note"), "written-on-node1\n");
        assertEquals(await inContainer(e2, `${P}_db_1`, "/db/note"), "db-of-node1\n");
        const doc = app();
        assertEquals([doc.master, doc.slave, doc.deploy_id], ["node2", "node1", "ev-3"]);
        assertEquals(Object.keys(double.services("node2")), [SHOP.name]);
        assertEquals(double.services("node1"), {});
        assertEquals(double.kvText(`maintenance/${SHOP.name}`), undefined);
      },
    );

    await t.step(
      "migrate master (node2) → preprod (node1): non-migrable kept (labelled in the compose file, or by hand on the engine's volume only), post_migrate.sh",
      async () => {
        // data is labelled by hand, not in the compose file: the engine's labels decide.
        await e1.docker("volume", "create", "--label", `${NON_MIGRABLE}=true`, `${PP}_data`);
        ok(await broadcast(nodes, [deploy("ev-4", "preprod", "node1")]));
        assertEquals(await running(e1), [`${PP}_db_1`, `${PP}_web_1`]);
        await e1.docker("exec", `${PP}_web_1`, "sh", "-c", "echo preprod-own > /data/note");
        await e1.docker("exec", `${PP}_db_1`, "sh", "-c", "echo preprod-db > /db/note");
        const migrate = { repo: REPO, branch: "master", target: { branch: "preprod" } };
        ok(await broadcast(nodes, [makeEvent("ev-5", "migrate", JSON.stringify(migrate))]));
        assertEquals(await running(e1), [`${PP}_db_1`, `${PP}_web_1`]);
        assertEquals(await inContainer(e1, `${PP}_web_1`, "/data/note"), "preprod-own\n", "kept");
        assertEquals(await inContainer(e1, `${PP}_db_1`, "/db/note"), "preprod-db\n", "kept");
        assertEquals(
          await Deno.readTextFile(`${node1.deployDir}/${PREPROD.name}-ev-4/post_migrate.out`),
          `-R ${REPO} -B master -r ${REPO} -b preprod\n`,
        );
        assertEquals(await inContainer(e2, `${P}_web_1`, "/data/note"), "written-on-node1\n");
        assertEquals(double.kvText(`maintenance/${PREPROD.name}`), undefined);
      },
    );

    await t.step(
      "a step failing for real (missing image): exit 1, error stored, maintenance on, data in place; the fix re-sent completes",
      async () => {
        await repo.commitMaster(
          composeFile(image, `${registry.address}/missing:1`),
          "web: an image the registry does not have",
        );
        const [r1, r2] = await broadcast(nodes, [deploy("ev-6", "master", "node2", "node1")]);
        assertEquals([r1.code, r2.code], [0, 1], r2.stderr);
        const doc = app();
        assertEquals([doc.error?.node, doc.error?.event], ["node2", "ev-6"]);
        assertEquals(doc.error.step.includes(" pull"), true, doc.error.step);
        assertEquals(doc.deploy_id, "ev-3", "the document still describes what is deployed");
        assertEquals(double.kvText(`maintenance/${SHOP.name}`), "", "maintenance stays on");
        assertEquals(await running(e2), []);
        assertEquals(await volumeFile(e2, `${P}_data`, "note"), "written-on-node1\n");
        assertEquals((await volumes(e1)).filter((v) => v.startsWith(`${P}_`)), []);

        await repo.commitMaster(composeFile(image), "web: back to the image we have");
        ok(await broadcast(nodes, [deploy("ev-7", "master", "node2", "node1")]));
        assertEquals(await running(e2), [`${P}_db_1`, `${P}_web_1`]);
        assertEquals(await inContainer(e2, `${P}_web_1`, "/data/note"), "written-on-node1\n");
        const fixed = app();
        assertEquals([fixed.deploy_id, fixed.error], ["ev-7", undefined]);
        assertEquals(double.kvText(`maintenance/${SHOP.name}`), undefined);
      },
    );

    await t.step(
      "move the master back to node1, no slave: node2 becomes nothing, the data follows",
      async () => {
        const mine = (names: string[]) => names.filter((n) => n.startsWith(`${P}_`));
        ok(await broadcast(nodes, [deploy("ev-8", "master", "node1")]));
        assertEquals(mine(await containers(e2)), []);
        assertEquals(mine(await volumes(e2)), []);
        assertEquals(mine(await running(e1)), [`${P}_db_1`, `${P}_web_1`]);
        assertEquals(await inContainer(e1, `${P}_web_1`, "/data/note"), "written-on-node1\n");
        assertEquals(await inContainer(e1, `${P}_db_1`, "/db/note"), "db-of-node1\n");
        const doc = app();
        assertEquals([doc.master, doc.slave, doc.deploy_id], ["node1", null, "ev-8"]);
        assertEquals(double.services("node2"), {});
        assertEquals(Object.keys(double.services("node1")).sort(), [SHOP.name, PREPROD.name]);
      },
    );

    await t.step(
      "migrate again, both applications on node1 now: nothing to restore, both volumes kept",
      async () => {
        await e1.docker("exec", `${P}_web_1`, "sh", "-c", "echo second-note > /data/note");
        const migrate = {
          repo: REPO,
          branch: "master",
          target: { branch: "preprod" },
          update: false,
        };
        ok(await broadcast(nodes, [makeEvent("ev-9", "migrate", JSON.stringify(migrate))]));
        assertEquals(await inContainer(e1, `${PP}_web_1`, "/data/note"), "preprod-own\n", "kept");
        assertEquals(await inContainer(e1, `${PP}_db_1`, "/db/note"), "preprod-db\n", "kept");
        assertEquals(await inContainer(e1, `${P}_web_1`, "/data/note"), "second-note\n");
        assertEquals((await running(e2)).length, 0);
      },
    );

    await t.step(
      "destroy both: containers and volumes gone on every node, KV cleaned",
      async () => {
        const destroy = (id: string, branch: string) =>
          makeEvent(id, "destroy", JSON.stringify({ repo: REPO, branch }));
        ok(await broadcast(nodes, [destroy("ev-10", "master"), destroy("ev-11", "preprod")]));
        for (const engine of [e1, e2]) {
          assertEquals(await containers(engine), []);
          assertEquals(await volumes(engine), []);
        }
        assertEquals([...double.kv.keys()].filter((k) => k.startsWith("app/")), []);
        assertEquals([double.services("node1"), double.services("node2")], [{}, {}]);
      },
    );
  } finally {
    for (const close of closers.reverse()) await close().catch(() => {});
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
});
