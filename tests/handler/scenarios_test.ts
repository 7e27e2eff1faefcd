/**
 * Test-mode transcripts: for each cell of the deploy transition table (old role from the KV
 * document × new role from the payload), for destroy and for migrate, the whole list of effects
 * a node prints, on a real git repository with a real docker-compose.yml.
 *
 * Paths are shown under /deploy and Consul at http://127.0.0.1:8500, as on a real node.
 *
 * @module
 *
 * Covers: lib/handler/handle.ts and the planning it runs (lib/handler/plan_deploy.ts,
 *   lib/handler/plan_destroy.ts, lib/handler/plan_migrate.ts, lib/handler/step_builders.ts), through
 *   tests/support/harness/handler_test_mode.ts.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { deployed, NAME, PREPROD, PREPROD_PROJECT, REPO } from "./fixtures_test.ts";
import { runTestMode as run } from "../support/harness/handler_test_mode.ts";

const deploy = (master: string, slave?: string, update = false) => ({
  repo: REPO,
  branch: "master",
  master,
  ...(slave ? { slave } : {}),
  ...(update ? { update } : {}),
});

/** The stored caddyfile: the service's site, with the directives the front needs forced. */
const CADDYFILE = `http://lycee-test-mlf.example.com, http://www.lycee-test-mlf.example.com {
    proxy / lyceetestmlfmaster3d9eb_wordpress_1:80 {
        websocket
        insecure_skip_verify
        header_upstream Host {host}
        header_upstream X-Real-IP {remote}
        header_upstream X-Forwarded-Proto {scheme}
    }
    gzip
    timeouts 300s
    log / stdout "{hostonly} - {>X-Forwarded-For} - {user} [{when}] \\"{method} {uri} {proto}\\" {status} {size} \\"{>Referer}\\" \\"{>User-Agent}\\""
}`;

/** The `app/<name>` document a new master writes (the parts that vary as arguments). */
function appDocument(doc: {
  master: string;
  slave: string | null;
  ip: string;
  slave_ip: string | null;
  deploy_id: string;
  previous_deploy_id: string | null;
}): string {
  return JSON.stringify(
    {
      master: doc.master,
      slave: doc.slave,
      ip: doc.ip,
      slave_ip: doc.slave_ip,
      repo_url: REPO,
      branch: "master",
      deploy_id: doc.deploy_id,
      previous_deploy_id: doc.previous_deploy_id,
      urls: "http://lycee-test-mlf.example.com, http://www.lycee-test-mlf.example.com",
      domains: ["lycee-test-mlf.example.com", "www.lycee-test-mlf.example.com"],
      ct: {
        wordpress: "lyceetestmlfmaster3d9eb_wordpress_1",
        db: "lyceetestmlfmaster3d9eb_db_1",
      },
      volumes: ["lyceetestmlfmaster3d9eb_dbdata", "lyceetestmlfmaster3d9eb_wwwdata"],
      caddyfile: CADDYFILE,
      haproxy: {
        mysql: {
          frontend: { mode: "tcp", bind: ["*:3306"] },
          backends: [{ name: "db", port: 3306, ct: "lyceetestmlfmaster3d9eb_db_1" }],
        },
      },
    },
    null,
    4,
  );
}

/** The service registered by a new master: one HTTP check per URL, every 60 s. */
const SERVICE = `{
    "ID": "lycee-test-mlf_master.3d9eb",
    "Name": "lycee-test-mlf_master.3d9eb",
    "Checks": [
        {
            "HTTP": "http://lycee-test-mlf.example.com",
            "Interval": "60s"
        },
        {
            "HTTP": "http://www.lycee-test-mlf.example.com",
            "Interval": "60s"
        },
        {
            "HTTP": "http://lycee-test-mlf.example.com/health",
            "Interval": "60s"
        }
    ]
}`;

/** The transfer notification the old master sends for an event. */
const transferred = (event: string, node: string) =>
  `PUT http://127.0.0.1:8500/v1/kv/migrate/lycee-test-mlf_master.3d9eb/success
{
    "event": "${event}",
    "node": "${node}"
}`;

const checkout1 = `${NAME}-ev-1`;

Deno.test("deploy master → master: stop, snapshot, rebuild, update, restart, re-register", async () => {
  const { transcript, log, code } = await run({
    node: "nepri",
    event: ["ev-2", "deploy", deploy("nepri", "tayt", true)],
    kv: deployed("nepri", "tayt"),
    checkouts: [checkout1],
  });
  assertEquals(code, 0);
  assertEquals(log[1], `INFO Role of nepri for ${NAME}: master → master`);
  assertEquals(
    transcript,
    `git clone --depth 1 --branch master -- https://git.example.com/hosting/lycee-test-mlf /deploy/lycee-test-mlf_master.3d9eb-ev-2
write /deploy/lycee-test-mlf_master.3d9eb-ev-2/.env: COMPOSE_PROJECT_NAME=lyceetestmlfmaster3d9eb
PUT http://127.0.0.1:8500/v1/kv/maintenance/lycee-test-mlf_master.3d9eb
docker compose -p lyceetestmlfmaster3d9eb down  # in /deploy/lycee-test-mlf_master.3d9eb-ev-1
buttervolume schedule replicate:10.0.0.2 0 lyceetestmlfmaster3d9eb_dbdata
buttervolume schedule replicate:10.0.0.2 0 lyceetestmlfmaster3d9eb_wwwdata
buttervolume schedule purge:1h:1d:1w:4w:1y 0 lyceetestmlfmaster3d9eb_dbdata
buttervolume schedule purge:1h:1d:1w:4w:1y 0 lyceetestmlfmaster3d9eb_wwwdata
buttervolume snapshot lyceetestmlfmaster3d9eb_dbdata
buttervolume snapshot lyceetestmlfmaster3d9eb_wwwdata
docker compose -p lyceetestmlfmaster3d9eb pull  # in /deploy/lycee-test-mlf_master.3d9eb-ev-2
docker compose -p lyceetestmlfmaster3d9eb build --pull  # in /deploy/lycee-test-mlf_master.3d9eb-ev-2
sh update.sh -r https://git.example.com/hosting/lycee-test-mlf -b master  # in /deploy/lycee-test-mlf_master.3d9eb-ev-2
docker compose -p lyceetestmlfmaster3d9eb up -d  # in /deploy/lycee-test-mlf_master.3d9eb-ev-2
buttervolume schedule replicate:10.0.0.2 60 lyceetestmlfmaster3d9eb_dbdata
buttervolume schedule replicate:10.0.0.2 60 lyceetestmlfmaster3d9eb_wwwdata
buttervolume schedule purge:1h:1d:1w:4w:1y 1440 lyceetestmlfmaster3d9eb_dbdata
buttervolume schedule purge:1h:1d:1w:4w:1y 1440 lyceetestmlfmaster3d9eb_wwwdata
PUT http://127.0.0.1:8500/v1/kv/app/lycee-test-mlf_master.3d9eb
${
      appDocument({
        master: "nepri",
        slave: "tayt",
        ip: "10.0.0.1",
        slave_ip: "10.0.0.2",
        deploy_id: "ev-2",
        previous_deploy_id: "ev-1",
      })
    }
PUT http://127.0.0.1:8500/v1/agent/service/register
${SERVICE}
DELETE http://127.0.0.1:8500/v1/kv/maintenance/lycee-test-mlf_master.3d9eb
rm -rf -- /deploy/lycee-test-mlf_master.3d9eb-ev-1`,
  );
});

Deno.test("deploy master → slave: stop, send the data to the new master, keep snapshots", async () => {
  const { transcript, log, code } = await run({
    node: "nepri",
    event: ["ev-2", "deploy", deploy("tayt", "nepri")],
    kv: deployed("nepri", "tayt"),
    checkouts: [checkout1],
  });
  assertEquals(code, 0);
  assertEquals(log[1], `INFO Role of nepri for ${NAME}: master → slave`);
  assertEquals(
    transcript,
    `git clone --depth 1 --branch master -- https://git.example.com/hosting/lycee-test-mlf /deploy/lycee-test-mlf_master.3d9eb-ev-2
write /deploy/lycee-test-mlf_master.3d9eb-ev-2/.env: COMPOSE_PROJECT_NAME=lyceetestmlfmaster3d9eb
PUT http://127.0.0.1:8500/v1/kv/maintenance/lycee-test-mlf_master.3d9eb
docker compose -p lyceetestmlfmaster3d9eb down  # in /deploy/lycee-test-mlf_master.3d9eb-ev-1
buttervolume schedule replicate:10.0.0.2 0 lyceetestmlfmaster3d9eb_dbdata
buttervolume schedule replicate:10.0.0.2 0 lyceetestmlfmaster3d9eb_wwwdata
buttervolume schedule purge:1h:1d:1w:4w:1y 0 lyceetestmlfmaster3d9eb_dbdata
buttervolume schedule purge:1h:1d:1w:4w:1y 0 lyceetestmlfmaster3d9eb_wwwdata
buttervolume snapshot lyceetestmlfmaster3d9eb_dbdata
buttervolume send 10.0.0.2 '<snapshot of lyceetestmlfmaster3d9eb_dbdata>'
buttervolume snapshot lyceetestmlfmaster3d9eb_wwwdata
buttervolume send 10.0.0.2 '<snapshot of lyceetestmlfmaster3d9eb_wwwdata>'
${transferred("ev-2", "nepri")}
PUT http://127.0.0.1:8500/v1/agent/service/deregister/lycee-test-mlf_master.3d9eb
docker compose -p lyceetestmlfmaster3d9eb down -v  # in /deploy/lycee-test-mlf_master.3d9eb-ev-1
buttervolume schedule purge:1h:1d:1w:4w:1y 1440 lyceetestmlfmaster3d9eb_dbdata
buttervolume schedule purge:1h:1d:1w:4w:1y 1440 lyceetestmlfmaster3d9eb_wwwdata
rm -rf -- /deploy/lycee-test-mlf_master.3d9eb-ev-1`,
  );
});

Deno.test("deploy master → nothing: stop, send the data to the new master, clean up", async () => {
  const { transcript, log, code } = await run({
    node: "nepri",
    event: ["ev-2", "deploy", deploy("edjo")],
    kv: deployed("nepri"),
    checkouts: [checkout1],
  });
  assertEquals(code, 0);
  assertEquals(log[1], `INFO Role of nepri for ${NAME}: master → nothing`);
  assertEquals(
    transcript,
    `PUT http://127.0.0.1:8500/v1/kv/maintenance/lycee-test-mlf_master.3d9eb
docker compose -p lyceetestmlfmaster3d9eb down  # in /deploy/lycee-test-mlf_master.3d9eb-ev-1
buttervolume schedule snapshot 0 lyceetestmlfmaster3d9eb_dbdata
buttervolume schedule snapshot 0 lyceetestmlfmaster3d9eb_wwwdata
buttervolume schedule purge:1h:1d:1w:4w:1y 0 lyceetestmlfmaster3d9eb_dbdata
buttervolume schedule purge:1h:1d:1w:4w:1y 0 lyceetestmlfmaster3d9eb_wwwdata
buttervolume snapshot lyceetestmlfmaster3d9eb_dbdata
buttervolume send 10.0.0.3 '<snapshot of lyceetestmlfmaster3d9eb_dbdata>'
buttervolume snapshot lyceetestmlfmaster3d9eb_wwwdata
buttervolume send 10.0.0.3 '<snapshot of lyceetestmlfmaster3d9eb_wwwdata>'
${transferred("ev-2", "nepri")}
PUT http://127.0.0.1:8500/v1/agent/service/deregister/lycee-test-mlf_master.3d9eb
docker compose -p lyceetestmlfmaster3d9eb down -v  # in /deploy/lycee-test-mlf_master.3d9eb-ev-1
rm -rf -- /deploy/lycee-test-mlf_master.3d9eb-ev-1`,
  );
});

Deno.test("deploy slave → master: build, wait for the transfer, restore, start, register", async () => {
  const { transcript, log, code } = await run({
    node: "tayt",
    event: ["ev-2", "deploy", deploy("tayt", "nepri", true)],
    kv: deployed("nepri", "tayt"),
    checkouts: [checkout1],
  });
  assertEquals(code, 0);
  assertEquals(log[1], `INFO Role of tayt for ${NAME}: slave → master`);
  assertEquals(
    transcript,
    `git clone --depth 1 --branch master -- https://git.example.com/hosting/lycee-test-mlf /deploy/lycee-test-mlf_master.3d9eb-ev-2
write /deploy/lycee-test-mlf_master.3d9eb-ev-2/.env: COMPOSE_PROJECT_NAME=lyceetestmlfmaster3d9eb
buttervolume schedule purge:1h:1d:1w:4w:1y 0 lyceetestmlfmaster3d9eb_dbdata
buttervolume schedule purge:1h:1d:1w:4w:1y 0 lyceetestmlfmaster3d9eb_wwwdata
docker compose -p lyceetestmlfmaster3d9eb pull  # in /deploy/lycee-test-mlf_master.3d9eb-ev-2
docker compose -p lyceetestmlfmaster3d9eb build --pull  # in /deploy/lycee-test-mlf_master.3d9eb-ev-2
GET http://127.0.0.1:8500/v1/kv/migrate/lycee-test-mlf_master.3d9eb/?recurse  # wait for the transfer of event ev-2
DELETE http://127.0.0.1:8500/v1/kv/migrate/lycee-test-mlf_master.3d9eb/?recurse
buttervolume restore lyceetestmlfmaster3d9eb_dbdata
buttervolume restore lyceetestmlfmaster3d9eb_wwwdata
sh update.sh -r https://git.example.com/hosting/lycee-test-mlf -b master  # in /deploy/lycee-test-mlf_master.3d9eb-ev-2
docker compose -p lyceetestmlfmaster3d9eb up -d  # in /deploy/lycee-test-mlf_master.3d9eb-ev-2
buttervolume schedule replicate:10.0.0.1 60 lyceetestmlfmaster3d9eb_dbdata
buttervolume schedule replicate:10.0.0.1 60 lyceetestmlfmaster3d9eb_wwwdata
buttervolume schedule purge:1h:1d:1w:4w:1y 1440 lyceetestmlfmaster3d9eb_dbdata
buttervolume schedule purge:1h:1d:1w:4w:1y 1440 lyceetestmlfmaster3d9eb_wwwdata
PUT http://127.0.0.1:8500/v1/kv/app/lycee-test-mlf_master.3d9eb
${
      appDocument({
        master: "tayt",
        slave: "nepri",
        ip: "10.0.0.2",
        slave_ip: "10.0.0.1",
        deploy_id: "ev-2",
        previous_deploy_id: "ev-1",
      })
    }
PUT http://127.0.0.1:8500/v1/agent/service/register
${SERVICE}
DELETE http://127.0.0.1:8500/v1/kv/maintenance/lycee-test-mlf_master.3d9eb
rm -rf -- /deploy/lycee-test-mlf_master.3d9eb-ev-1`,
  );
});

Deno.test("deploy slave → slave: new checkout, purge schedule renewed", async () => {
  const { transcript, log, code } = await run({
    node: "tayt",
    event: ["ev-2", "deploy", deploy("edjo", "tayt")],
    kv: deployed("nepri", "tayt"),
    checkouts: [checkout1],
  });
  assertEquals(code, 0);
  assertEquals(log[1], `INFO Role of tayt for ${NAME}: slave → slave`);
  assertEquals(
    transcript,
    `git clone --depth 1 --branch master -- https://git.example.com/hosting/lycee-test-mlf /deploy/lycee-test-mlf_master.3d9eb-ev-2
write /deploy/lycee-test-mlf_master.3d9eb-ev-2/.env: COMPOSE_PROJECT_NAME=lyceetestmlfmaster3d9eb
buttervolume schedule purge:1h:1d:1w:4w:1y 0 lyceetestmlfmaster3d9eb_dbdata
buttervolume schedule purge:1h:1d:1w:4w:1y 0 lyceetestmlfmaster3d9eb_wwwdata
buttervolume schedule purge:1h:1d:1w:4w:1y 1440 lyceetestmlfmaster3d9eb_dbdata
buttervolume schedule purge:1h:1d:1w:4w:1y 1440 lyceetestmlfmaster3d9eb_wwwdata
rm -rf -- /deploy/lycee-test-mlf_master.3d9eb-ev-1`,
  );
});

Deno.test("deploy slave → nothing: purge stopped, old checkout removed", async () => {
  const { transcript, log, code } = await run({
    node: "tayt",
    event: ["ev-2", "deploy", deploy("nepri", "edjo")],
    kv: deployed("nepri", "tayt"),
    checkouts: [checkout1],
  });
  assertEquals(code, 0);
  assertEquals(log[1], `INFO Role of tayt for ${NAME}: slave → nothing`);
  assertEquals(
    transcript,
    `buttervolume schedule purge:1h:1d:1w:4w:1y 0 lyceetestmlfmaster3d9eb_dbdata
buttervolume schedule purge:1h:1d:1w:4w:1y 0 lyceetestmlfmaster3d9eb_wwwdata
rm -rf -- /deploy/lycee-test-mlf_master.3d9eb-ev-1`,
  );
});

Deno.test("deploy nothing → master, first deployment: no transfer to wait for", async () => {
  const { transcript, log, code } = await run({
    node: "nepri",
    event: ["ev-1", "deploy", deploy("nepri")],
  });
  assertEquals(code, 0);
  assertEquals(log[1], `INFO Role of nepri for ${NAME}: nothing → master`);
  assertEquals(
    transcript,
    `git clone --depth 1 --branch master -- https://git.example.com/hosting/lycee-test-mlf /deploy/lycee-test-mlf_master.3d9eb-ev-1
write /deploy/lycee-test-mlf_master.3d9eb-ev-1/.env: COMPOSE_PROJECT_NAME=lyceetestmlfmaster3d9eb
docker compose -p lyceetestmlfmaster3d9eb pull  # in /deploy/lycee-test-mlf_master.3d9eb-ev-1
docker compose -p lyceetestmlfmaster3d9eb build --pull  # in /deploy/lycee-test-mlf_master.3d9eb-ev-1
docker compose -p lyceetestmlfmaster3d9eb up -d  # in /deploy/lycee-test-mlf_master.3d9eb-ev-1
buttervolume schedule snapshot 60 lyceetestmlfmaster3d9eb_dbdata
buttervolume schedule snapshot 60 lyceetestmlfmaster3d9eb_wwwdata
buttervolume schedule purge:1h:1d:1w:4w:1y 1440 lyceetestmlfmaster3d9eb_dbdata
buttervolume schedule purge:1h:1d:1w:4w:1y 1440 lyceetestmlfmaster3d9eb_wwwdata
PUT http://127.0.0.1:8500/v1/kv/app/lycee-test-mlf_master.3d9eb
${
      appDocument({
        master: "nepri",
        slave: null,
        ip: "10.0.0.1",
        slave_ip: null,
        deploy_id: "ev-1",
        previous_deploy_id: null,
      })
    }
PUT http://127.0.0.1:8500/v1/agent/service/register
${SERVICE}
DELETE http://127.0.0.1:8500/v1/kv/maintenance/lycee-test-mlf_master.3d9eb`,
  );
});

Deno.test("deploy nothing → master, moved from another node: wait for its data, restore", async () => {
  const { transcript, log, code } = await run({
    node: "edjo",
    event: ["ev-2", "deploy", deploy("edjo", "tayt")],
    kv: deployed("nepri", "tayt"),
  });
  assertEquals(code, 0);
  assertEquals(log[1], `INFO Role of edjo for ${NAME}: nothing → master`);
  assertEquals(
    transcript,
    `git clone --depth 1 --branch master -- https://git.example.com/hosting/lycee-test-mlf /deploy/lycee-test-mlf_master.3d9eb-ev-2
write /deploy/lycee-test-mlf_master.3d9eb-ev-2/.env: COMPOSE_PROJECT_NAME=lyceetestmlfmaster3d9eb
docker compose -p lyceetestmlfmaster3d9eb pull  # in /deploy/lycee-test-mlf_master.3d9eb-ev-2
docker compose -p lyceetestmlfmaster3d9eb build --pull  # in /deploy/lycee-test-mlf_master.3d9eb-ev-2
GET http://127.0.0.1:8500/v1/kv/migrate/lycee-test-mlf_master.3d9eb/?recurse  # wait for the transfer of event ev-2
DELETE http://127.0.0.1:8500/v1/kv/migrate/lycee-test-mlf_master.3d9eb/?recurse
buttervolume restore lyceetestmlfmaster3d9eb_dbdata
buttervolume restore lyceetestmlfmaster3d9eb_wwwdata
docker compose -p lyceetestmlfmaster3d9eb up -d  # in /deploy/lycee-test-mlf_master.3d9eb-ev-2
buttervolume schedule replicate:10.0.0.2 60 lyceetestmlfmaster3d9eb_dbdata
buttervolume schedule replicate:10.0.0.2 60 lyceetestmlfmaster3d9eb_wwwdata
buttervolume schedule purge:1h:1d:1w:4w:1y 1440 lyceetestmlfmaster3d9eb_dbdata
buttervolume schedule purge:1h:1d:1w:4w:1y 1440 lyceetestmlfmaster3d9eb_wwwdata
PUT http://127.0.0.1:8500/v1/kv/app/lycee-test-mlf_master.3d9eb
${
      appDocument({
        master: "edjo",
        slave: "tayt",
        ip: "10.0.0.3",
        slave_ip: "10.0.0.2",
        deploy_id: "ev-2",
        previous_deploy_id: "ev-1",
      })
    }
PUT http://127.0.0.1:8500/v1/agent/service/register
${SERVICE}
DELETE http://127.0.0.1:8500/v1/kv/maintenance/lycee-test-mlf_master.3d9eb`,
  );
});

Deno.test("deploy nothing → slave: checkout, purge schedule", async () => {
  const { transcript, log, code } = await run({
    node: "edjo",
    event: ["ev-2", "deploy", deploy("nepri", "edjo")],
    kv: deployed("nepri"),
  });
  assertEquals(code, 0);
  assertEquals(log[1], `INFO Role of edjo for ${NAME}: nothing → slave`);
  assertEquals(
    transcript,
    `git clone --depth 1 --branch master -- https://git.example.com/hosting/lycee-test-mlf /deploy/lycee-test-mlf_master.3d9eb-ev-2
write /deploy/lycee-test-mlf_master.3d9eb-ev-2/.env: COMPOSE_PROJECT_NAME=lyceetestmlfmaster3d9eb
buttervolume schedule purge:1h:1d:1w:4w:1y 1440 lyceetestmlfmaster3d9eb_dbdata
buttervolume schedule purge:1h:1d:1w:4w:1y 1440 lyceetestmlfmaster3d9eb_wwwdata`,
  );
});

Deno.test("deploy nothing → nothing: no effect at all", async () => {
  const { transcript, log, code } = await run({
    node: "edjo",
    event: ["ev-2", "deploy", deploy("nepri", "tayt")],
    kv: deployed("nepri", "tayt"),
  });
  assertEquals(code, 0);
  assertEquals(transcript, "");
  assertEquals(log[1], `INFO I'm still nothing for ${NAME}`);
});

Deno.test("deploy accepts 'target' as the older name of 'master'", async () => {
  const { transcript, code } = await run({
    node: "edjo",
    event: ["ev-2", "deploy", { repo: REPO, branch: "master", target: "nepri", slave: "edjo" }],
    kv: deployed("nepri"),
  });
  assertEquals(code, 0);
  assertEquals(transcript.split("\n").length, 4);
});

const destroy = { repo: REPO, branch: "master" };

Deno.test("destroy on the master: stop, unregister, final snapshots, delete volumes", async () => {
  const { transcript, log, code } = await run({
    node: "nepri",
    event: ["ev-3", "destroy", destroy],
    kv: deployed("nepri", "tayt"),
    checkouts: [checkout1],
  });
  assertEquals(code, 0);
  assertEquals(log[1], `INFO I was the master of ${NAME}`);
  assertEquals(
    transcript,
    `docker compose -p lyceetestmlfmaster3d9eb down  # in /deploy/lycee-test-mlf_master.3d9eb-ev-1
PUT http://127.0.0.1:8500/v1/agent/service/deregister/lycee-test-mlf_master.3d9eb
buttervolume schedule replicate:10.0.0.2 0 lyceetestmlfmaster3d9eb_dbdata
buttervolume schedule replicate:10.0.0.2 0 lyceetestmlfmaster3d9eb_wwwdata
buttervolume schedule purge:1h:1d:1w:4w:1y 0 lyceetestmlfmaster3d9eb_dbdata
buttervolume schedule purge:1h:1d:1w:4w:1y 0 lyceetestmlfmaster3d9eb_wwwdata
DELETE http://127.0.0.1:8500/v1/kv/app/lycee-test-mlf_master.3d9eb
buttervolume snapshot lyceetestmlfmaster3d9eb_dbdata
buttervolume snapshot lyceetestmlfmaster3d9eb_wwwdata
docker compose -p lyceetestmlfmaster3d9eb down -v  # in /deploy/lycee-test-mlf_master.3d9eb-ev-1
rm -rf -- /deploy/lycee-test-mlf_master.3d9eb-ev-1`,
  );
});

Deno.test("destroy on the slave: purge stopped, checkout removed", async () => {
  const { transcript, log, code } = await run({
    node: "tayt",
    event: ["ev-3", "destroy", destroy],
    kv: deployed("nepri", "tayt"),
    checkouts: [checkout1],
  });
  assertEquals(code, 0);
  assertEquals(log[1], `INFO I was the slave of ${NAME}`);
  assertEquals(
    transcript,
    `buttervolume schedule purge:1h:1d:1w:4w:1y 0 lyceetestmlfmaster3d9eb_dbdata
buttervolume schedule purge:1h:1d:1w:4w:1y 0 lyceetestmlfmaster3d9eb_wwwdata
rm -rf -- /deploy/lycee-test-mlf_master.3d9eb-ev-1`,
  );
});

Deno.test("destroy on another node: nothing", async () => {
  const { transcript, log, code } = await run({
    node: "edjo",
    event: ["ev-3", "destroy", destroy],
    kv: deployed("nepri", "tayt"),
  });
  assertEquals(code, 0);
  assertEquals(transcript, "");
  assertEquals(log[1], `INFO I was nothing for ${NAME}`);
});

/** The test application's compose file (the target checkout's, for migrate). */
const COMPOSE_TEXT = Deno.readTextFileSync(
  new URL("../../testdata/handler/lycee-test-mlf/docker-compose.yml", import.meta.url),
);

/** master (on nepri) → preprod (on tayt, or on nepri too). */
const migrate = { repo: REPO, branch: "master", target: { branch: "preprod" } };
const bothDeployed = (targetNode: string) => ({
  ...deployed("nepri"),
  ...deployed(targetNode, undefined, PREPROD, PREPROD_PROJECT),
});

Deno.test("migrate, source side: snapshot and send the common volumes, notify", async () => {
  const { transcript, code } = await run({
    node: "nepri",
    event: ["ev-4", "migrate", migrate],
    kv: bothDeployed("tayt"),
  });
  assertEquals(code, 0);
  assertEquals(
    transcript,
    `buttervolume snapshot lyceetestmlfmaster3d9eb_dbdata
buttervolume send 10.0.0.2 '<snapshot of lyceetestmlfmaster3d9eb_dbdata>'
buttervolume snapshot lyceetestmlfmaster3d9eb_wwwdata
buttervolume send 10.0.0.2 '<snapshot of lyceetestmlfmaster3d9eb_wwwdata>'
${transferred("ev-4", "nepri")}`,
  );
});

Deno.test("migrate, target side: wait, restore into the target volumes, update, restart", async () => {
  const { transcript, code } = await run({
    node: "tayt",
    event: ["ev-4", "migrate", migrate],
    kv: bothDeployed("tayt"),
    checkouts: [`${PREPROD}-ev-1`],
    files: {
      [`${PREPROD}-ev-1/update.sh`]: "echo update\n",
      [`${PREPROD}-ev-1/docker-compose.yml`]: COMPOSE_TEXT,
    },
  });
  assertEquals(code, 0);
  assertEquals(
    transcript,
    `GET http://127.0.0.1:8500/v1/kv/migrate/lycee-test-mlf_master.3d9eb/?recurse  # wait for the transfer of event ev-4
DELETE http://127.0.0.1:8500/v1/kv/migrate/lycee-test-mlf_master.3d9eb/?recurse
PUT http://127.0.0.1:8500/v1/kv/maintenance/lycee-test-mlf_preprod.3d9eb
docker compose -p lyceetestmlfpreprod3d9eb down  # in /deploy/lycee-test-mlf_preprod.3d9eb-ev-1
docker volume inspect lyceetestmlfpreprod3d9eb_dbdata
buttervolume restore lyceetestmlfmaster3d9eb_dbdata lyceetestmlfpreprod3d9eb_dbdata
docker volume inspect lyceetestmlfpreprod3d9eb_wwwdata
buttervolume restore lyceetestmlfmaster3d9eb_wwwdata lyceetestmlfpreprod3d9eb_wwwdata
sh update.sh -r https://git.example.com/hosting/lycee-test-mlf -b preprod  # in /deploy/lycee-test-mlf_preprod.3d9eb-ev-1
docker compose -p lyceetestmlfpreprod3d9eb up -d  # in /deploy/lycee-test-mlf_preprod.3d9eb-ev-1
DELETE http://127.0.0.1:8500/v1/kv/maintenance/lycee-test-mlf_preprod.3d9eb`,
  );
});

Deno.test("migrate on one node, without update: snapshot, restore, restart", async () => {
  const { transcript, code } = await run({
    node: "nepri",
    event: ["ev-4", "migrate", { ...migrate, update: false }],
    kv: bothDeployed("nepri"),
    checkouts: [`${PREPROD}-ev-1`],
    files: { [`${PREPROD}-ev-1/docker-compose.yml`]: COMPOSE_TEXT },
  });
  assertEquals(code, 0);
  assertEquals(
    transcript,
    `buttervolume snapshot lyceetestmlfmaster3d9eb_dbdata
buttervolume snapshot lyceetestmlfmaster3d9eb_wwwdata
PUT http://127.0.0.1:8500/v1/kv/maintenance/lycee-test-mlf_preprod.3d9eb
docker compose -p lyceetestmlfpreprod3d9eb down  # in /deploy/lycee-test-mlf_preprod.3d9eb-ev-1
docker volume inspect lyceetestmlfpreprod3d9eb_dbdata
buttervolume restore lyceetestmlfmaster3d9eb_dbdata lyceetestmlfpreprod3d9eb_dbdata
docker volume inspect lyceetestmlfpreprod3d9eb_wwwdata
buttervolume restore lyceetestmlfmaster3d9eb_wwwdata lyceetestmlfpreprod3d9eb_wwwdata
docker compose -p lyceetestmlfpreprod3d9eb up -d  # in /deploy/lycee-test-mlf_preprod.3d9eb-ev-1
DELETE http://127.0.0.1:8500/v1/kv/maintenance/lycee-test-mlf_preprod.3d9eb`,
  );
});

Deno.test("migrate on a node that runs neither application: nothing", async () => {
  const { transcript, log, code } = await run({
    node: "edjo",
    event: ["ev-4", "migrate", migrate],
    kv: bothDeployed("tayt"),
  });
  assertEquals(code, 0);
  assertEquals(transcript, "");
  assertEquals(log[1], `INFO Not concerned by the migration of ${NAME} to ${PREPROD}`);
});
