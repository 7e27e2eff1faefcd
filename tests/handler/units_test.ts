/**
 * The small pure pieces: application identity, compose reading, Caddy addresses, volume
 * matching for migrate, the handled-events record.
 *
 * Covers: lib/handler/app.ts, lib/handler/compose.ts, lib/handler/handled.ts,
 *   lib/handler/plan_deploy.ts, lib/handler/plan_migrate.ts, lib/handler/proxy.ts.
 *
 * @module
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { appIdentity, checkoutDir } from "../../lib/handler/app.ts";
import { parseCompose } from "../../lib/handler/compose.ts";
import { HandledEvents } from "../../lib/handler/handled.ts";
import { planDeploy, serviceDefinition } from "../../lib/handler/plan_deploy.ts";
import { commonVolumes } from "../../lib/handler/plan_migrate.ts";
import { caddyUrls } from "../../lib/handler/proxy.ts";

Deno.test("identity: <basename>_<branch>.<md5 of the URL path>, project without [^a-z0-9]", () => {
  const app = appIdentity("ssh://git@git.mlfmonde.org:2222/hebergement/lycee-test-mlf", "master");
  assertEquals([app.name, app.project], ["lycee-test-mlf_master.a07d9", "lyceetestmlfmastera07d9"]);
  assertEquals(
    appIdentity("SSH://git@git.mlfmonde.org:2222/hebergement/Lycee-Test-MLF.git", "master").name,
    "lycee-test-mlf_master.a07d9",
    "case and .git do not matter",
  );
  assertEquals(
    checkoutDir("/deploy/", app.name, "ev-1"),
    "/deploy/lycee-test-mlf_master.a07d9-ev-1",
  );
});

Deno.test("compose: buttervolume volumes only, containers, URLs, list-form environment", () => {
  const facts = parseCompose(
    `services:
  web:
    environment:
      - "CADDYFILE=https://a.example.com {\\n  proxy / $CONTAINER:80\\n}"
  db: {}
volumes:
  data: {driver: "anybox/buttervolume:latest"}
  tmp: {}
`,
    "appmaster12345",
    "/deploy/x/docker-compose.yml",
  );
  assertEquals(facts, {
    services: ["web", "db"],
    volumes: ["appmaster12345_data"],
    ct: { web: "appmaster12345_web_1", db: "appmaster12345_db_1" },
    urls: ["https://a.example.com"],
    checks: ["https://a.example.com"],
    domains: ["a.example.com"],
    caddyfile: `https://a.example.com {
    proxy / appmaster12345_web_1:80 {
        websocket
        insecure_skip_verify
        transparent
    }
    gzip
    timeouts 300s
    log / stdout "{hostonly} - {combined}"
}`,
    haproxy: {},
  });
});

Deno.test("caddy: site addresses of every top-level block, across continued lines", () => {
  assertEquals(
    caddyUrls(`http://a.example.com,
  http://b.example.com {
    proxy / ct:80 {
        transparent
    }
}
https://c.example.com {
}`),
    ["http://a.example.com", "http://b.example.com", "https://c.example.com"],
  );
});

Deno.test("migrate: volumes match on their suffix", () => {
  assertEquals(
    commonVolumes(["srcmaster_dbdata", "srcmaster_cache"], ["tgtpreprod_dbdata", "tgtpreprod_www"]),
    [["srcmaster_dbdata", "tgtpreprod_dbdata"]],
  );
});

Deno.test("handled events: claimed once, even by concurrent claimers", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const record = new HandledEvents(dir);
    const claims = await Promise.all([1, 2, 3, 4].map(() => new HandledEvents(dir).claim("ev-1")));
    assertEquals(claims.filter((c) => c).length, 1);
    assertEquals(await record.has("ev-1"), true);
    assertEquals(await record.claim("ev-2"), true);
    assertEquals(await Deno.readTextFile(record.path), "ev-1\nev-2\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("service: one HTTP check per URL, or the app's service.json (ID defaults to the name)", () => {
  const compose = parseCompose(
    `services:\n  web:\n    environment:\n      CONSUL_CHECK_URLS: '["example.com/up"]'\n`,
    "p",
    "docker-compose.yml",
  );
  assertEquals(serviceDefinition("app", { dir: "/d", compose, updateScript: false }), {
    ID: "app",
    Name: "app",
    Checks: [{ HTTP: "http://example.com/up", Interval: "60s" }],
  });
  const service = { Name: "web", Check: { TCP: "localhost:80", Interval: "10s" } };
  assertEquals(serviceDefinition("app", { dir: "/d", compose, updateScript: false, service }), {
    ID: "app",
    Name: "web",
    Check: { TCP: "localhost:80", Interval: "10s" },
  });
});

Deno.test("plan (pure): a leaving master's snapshot and send notify a failed transfer", () => {
  const app = appIdentity("https://git.example.com/hosting/app", "master");
  const steps = planDeploy({
    node: "n1",
    eventId: "ev-2",
    app,
    payload: { repo: app.repo, branch: "master", master: "n2", update: false },
    old: { master: "n1", slave: null, deploy_id: "ev-1", volumes: [`${app.project}_data`] },
    members: { n1: "10.0.0.1", n2: "10.0.0.2" },
    deployDir: "/deploy",
    compose: ["docker-compose"],
    oldCheckoutExists: false,
  });
  const failure = {
    kind: "consul",
    call: {
      op: "kv-put",
      key: `migrate/${app.name}/failure`,
      value: { event: "ev-2", node: "n1" },
    },
  };
  assertEquals(steps.filter((s) => "onFailure" in s && s.onFailure?.length), [
    {
      kind: "run",
      argv: ["buttervolume", "snapshot", `${app.project}_data`],
      saveAs: `snapshot of ${app.project}_data`,
      onFailure: [failure],
    },
    {
      kind: "run",
      argv: ["buttervolume", "send", "10.0.0.2", { output: `snapshot of ${app.project}_data` }],
      onFailure: [failure],
    },
  ]);
  assertEquals(steps[2], {
    kind: "note",
    message: `Cannot stop ${app.name}: no checkout at /deploy/${app.name}-ev-1`,
    level: "warning",
  }, "no old checkout: no compose command, a warning");
});
