/**
 * `clusterdeploy event deploy|destroy|migrate '<json>'` as a black box against the Consul HTTP
 * double: the fired event's name and payload, the printed ID, `--dry-run`, and bad payloads
 * (validated by the handler's own rules) that fire nothing and name the field.
 *
 * Covers: lib/cli/run.ts, lib/handler/app.ts, lib/operator/event.ts, main.ts.
 */
import { deepEqual, equal, match, throws } from "node:assert/strict";
import { validateEventPayload } from "../../lib/operator/event.ts";
import { appIdentity } from "../../lib/handler/app.ts";
import { CliError } from "../../lib/cli/run.ts";
import { startConsulDouble } from "../support/servers/consul_double.ts";
import { runEntrypoint } from "../support/harness/cli.ts";

const REPO = "https://git.example.com/hosting/foobar";

/** The events the double received, decoded. */
async function firedEvents(
  url: string,
): Promise<Array<{ ID: string; Name: string; Payload: string }>> {
  const response = await fetch(`${url}/v1/event/list`);
  const list = await response.json() as Array<{ ID: string; Name: string; Payload: string | null }>;
  return list.map((e) => ({ ...e, Payload: e.Payload === null ? "" : atob(e.Payload) }));
}

Deno.test("event deploy: fires the user event with the payload as body and prints its ID", async () => {
  const double = startConsulDouble();
  try {
    const payload = JSON.stringify({
      repo: REPO,
      branch: "master",
      master: "node1",
      slave: "node2",
      update: true,
    });
    const run = await runEntrypoint("main.ts", [
      "event",
      "deploy",
      payload,
      "--consul",
      double.url,
    ]);
    equal(run.code, 0, run.stderr);
    const events = await firedEvents(double.url);
    equal(events.length, 1);
    equal(events[0].Name, "deploy");
    equal(events[0].Payload, payload);
    equal(run.stdout, `${events[0].ID}\n`);
    match(run.stderr, /fired deploy event .* for application foobar_master\.[0-9a-f]{5}/);
    const fire = double.requests.filter((r) => r.path.startsWith("/v1/event/fire/"));
    deepEqual(fire.map((r) => [r.method, r.path, r.body]), [
      ["PUT", "/v1/event/fire/deploy", payload],
    ]);

    const migrate = JSON.stringify({ repo: REPO, branch: "master", target: { branch: "preprod" } });
    const second = await runEntrypoint("main.ts", [
      "event",
      "migrate",
      migrate,
      "--consul",
      double.url,
    ]);
    equal(second.code, 0, second.stderr);
    deepEqual((await firedEvents(double.url)).map((e) => [e.Name, e.Payload]), [
      ["deploy", payload],
      ["migrate", migrate],
    ]);
  } finally {
    await double.close();
  }
});

Deno.test("event --dry-run prints the request and fires nothing", async () => {
  const double = startConsulDouble();
  try {
    const payload = JSON.stringify({ repo: REPO, branch: "master" });
    const run = await runEntrypoint("main.ts", [
      "event",
      "destroy",
      payload,
      "--consul",
      double.url,
      "--dry-run",
    ]);
    equal(run.code, 0, run.stderr);
    equal(run.stdout, `PUT ${double.url}/v1/event/fire/destroy\n${payload}\n`);
    deepEqual(double.requests, []);
  } finally {
    await double.close();
  }
});

Deno.test("event: a bad payload fires nothing, names the field, exit 1", async () => {
  const double = startConsulDouble();
  try {
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ["deploy", { repo: REPO, master: "node1" }, /field Payload\.branch: required/],
      [
        "deploy",
        { repo: REPO, branch: "master", master: "node1", slave: "node1" },
        /field Payload\.slave: must differ from the master \(node1\)/,
      ],
      [
        "destroy",
        { repo: "--upload-pack=evil", branch: "master" },
        /field Payload\.repo: must not start with '-'/,
      ],
      ["migrate", { repo: REPO, branch: "master" }, /field Payload\.target: required/],
    ];
    for (const [name, payload, message] of cases) {
      const run = await runEntrypoint("main.ts", [
        "event",
        name,
        JSON.stringify(payload),
        "--consul",
        double.url,
      ]);
      equal(run.code, 1, `${name} ${JSON.stringify(payload)}: ${run.stderr}`);
      match(run.stderr, message);
      match(run.stderr, /nothing fired/);
      equal(run.stdout, "");
    }
    const notJson = await runEntrypoint("main.ts", [
      "event",
      "deploy",
      "{",
      "--consul",
      double.url,
    ]);
    equal(notJson.code, 1);
    match(notJson.stderr, /field Payload: not valid JSON/);
    const badName = await runEntrypoint("main.ts", [
      "event",
      "explode",
      "{}",
      "--consul",
      double.url,
    ]);
    equal(badName.code, 2);
    match(
      badName.stderr,
      /value 'explode' is invalid .*Allowed choices are deploy, destroy, migrate/,
    );
    deepEqual(double.requests, [], "nothing reached Consul");
  } finally {
    await double.close();
  }
});

Deno.test("event: an unreachable Consul is exit 1 with what to check", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const payload = JSON.stringify({ repo: REPO, branch: "master" });
  const run = await runEntrypoint("main.ts", [
    "event",
    "destroy",
    payload,
    "--consul",
    `http://127.0.0.1:${port}`,
  ]);
  equal(run.code, 1);
  match(run.stderr, /could not fire the destroy event: .*see --consul/);
});

Deno.test("validateEventPayload in-process: the handler's messages, the application name", () => {
  equal(
    validateEventPayload("destroy", JSON.stringify({ repo: REPO, branch: "preprod" })),
    appIdentity(REPO, "preprod").name,
  );
  throws(
    () => validateEventPayload("deploy", JSON.stringify({ repo: REPO, branch: "-x", master: "a" })),
    (error: unknown) =>
      error instanceof CliError && error.exitCode === 1 &&
      error.message ===
        "event deploy: field Payload.branch: must not start with '-'; nothing fired",
  );
});
