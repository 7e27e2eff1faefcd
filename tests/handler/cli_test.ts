/**
 * The command line, as a black box: `handler [test] [EVENTS_JSON]`, the direct
 * `handler deploy '<json>'` form, exit statuses (0 ok, 1 failed event, 2 usage).
 *
 * Covers: lib/handler/event.ts, handler.ts.
 *
 * @module
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { makeEvent } from "../../lib/handler/event.ts";
import { type ConsulDouble, startConsulDouble } from "../support/servers/consul_double.ts";
import { type Fixtures, MEMBERS, NAME, normalize, REPO } from "./fixtures_test.ts";
import { withCluster } from "../support/harness/handler_live.ts";

const HANDLER = new URL("../../handler.ts", import.meta.url).pathname;

async function handler(args: string[], stdin = "", env: Record<string, string> = {}) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", HANDLER, ...args],
    env,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(stdin));
  await writer.close();
  const out = await child.output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** Event ev-2: deploy the application with nepri its master and edjo a new slave. */
const newSlaveEvent = makeEvent(
  "ev-2",
  "deploy",
  JSON.stringify({ repo: REPO, branch: "master", master: "nepri", slave: "edjo" }),
);

/** What edjo, becoming the slave by {@linkcode newSlaveEvent}, does (paths under /deploy). */
const NEW_SLAVE = `git clone --depth 1 --branch master -- ${REPO} /deploy/${NAME}-ev-2
write /deploy/${NAME}-ev-2/.env: COMPOSE_PROJECT_NAME=lyceetestmlfmaster3d9eb
buttervolume schedule purge:1h:1d:1w:4w:1y 1440 lyceetestmlfmaster3d9eb_dbdata
buttervolume schedule purge:1h:1d:1w:4w:1y 1440 lyceetestmlfmaster3d9eb_wwwdata
`;

/** Runs `fn` on a cluster where nepri alone holds the application (ev-1), with edjo's deploy dir. */
function withNewSlave(
  fn: (fx: Fixtures, double: ConsulDouble, dir: string) => Promise<void>,
): Promise<void> {
  return withCluster(async (fx, double) => {
    double.kvSet(`app/${NAME}`, { master: "nepri", slave: null, deploy_id: "ev-1", volumes: [] });
    await fn(fx, double, await fx.deployDir("edjo"));
  });
}

Deno.test("handler test EVENTS_JSON: prints what a new slave would do, runs nothing", async () => {
  await withNewSlave(async (fx, double, dir) => {
    const events = JSON.stringify([newSlaveEvent]);
    const { code, stdout } = await handler(
      ["test", events, "--node", "edjo", "--consul", double.url, "--deploy-dir", dir],
      "",
      fx.gitEnv,
    );
    assertEquals(code, 0);
    assertEquals(
      normalize([stdout], { [dir]: "/deploy" }),
      NEW_SLAVE,
    );
    assertEquals([...Deno.readDirSync(dir)], [], "test mode leaves the deploy directory alone");
  });
});

Deno.test("handler destroy '<json>' --test: the direct form, JSON logs", async () => {
  const double = startConsulDouble(MEMBERS);
  try {
    double.kvSet(`app/${NAME}`, { master: "nepri", slave: "tayt", deploy_id: "ev-1", volumes: [] });
    const { code, stdout, stderr } = await handler([
      "destroy",
      JSON.stringify({ repo: REPO, branch: "master" }),
      "--test",
      "--event-id",
      "ev-9",
      "--node",
      "tayt",
      "--consul",
      double.url,
      "--deploy-dir",
      "/nonexistent",
      "--log-format",
      "json",
    ]);
    assertEquals(code, 0, stderr);
    assertEquals(stdout, "");
    const records = stderr.trim().split("\n").map((line) => JSON.parse(line));
    assertEquals(records.map((r) => [r.level, r.msg]), [
      [
        "INFO",
        `Received event destroy with ID ev-9 and payload {"repo":"${REPO}","branch":"master"}`,
      ],
      ["INFO", `I was the slave of ${NAME}`],
      ["INFO", `Event ev-9 (destroy of ${NAME}) done`],
    ]);
  } finally {
    await double.close();
  }
});

Deno.test("exit statuses: 1 for bad events on stdin, 2 for usage errors", async () => {
  const bad = await handler(["test", "--node", "n", "--deploy-dir", "/nonexistent"], "[{");
  assertEquals(bad.code, 1);
  assertEquals(bad.stderr.startsWith("ERROR events: not valid JSON: "), true, bad.stderr);
  const usage = await handler(["--log-format", "xml"]);
  assertEquals(usage.code, 2);
  assertEquals(usage.stderr.includes("--log-format must be text or json, not 'xml'"), true);
  const missing = await handler(["deploy"]);
  assertEquals(missing.code, 2);
  assertEquals(missing.stderr, "error: missing required argument 'json'\n");
});

Deno.test("test mode shows what live mode would do: a repeated event ID is shown once, nothing recorded", async () => {
  await withNewSlave(async (fx, double, dir) => {
    const event = newSlaveEvent;
    const bad = makeEvent("ev-3", "deploy", "{}");
    const { code, stdout, stderr } = await handler(
      ["test", "--node", "edjo", "--consul", double.url, "--deploy-dir", dir],
      JSON.stringify([event, bad, event, bad]),
      fx.gitEnv,
    );
    assertEquals(code, 1, "the bad event");
    assertEquals(
      normalize([stdout], { [dir]: "/deploy" }),
      NEW_SLAVE,
    );
    const lines = stderr.trim().split("\n");
    assertEquals(lines.filter((l) => l.startsWith("INFO Event already handled")), [
      "INFO Event already handled in the past: ev-2",
      "INFO Event already handled in the past: ev-3",
    ]);
    assertEquals(lines.filter((l) => l.startsWith("ERROR")), [
      "ERROR event ev-3: field Payload.repo: required",
    ]);
    assertEquals([...Deno.readDirSync(dir)], [], "no handled-events record, no checkout");
  });
});
