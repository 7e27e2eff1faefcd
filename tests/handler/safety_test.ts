/**
 * No value read back from Consul reaches a path or an argv unchecked: a bad stored `app/<name>`
 * refuses the event (error naming the key and the field, nothing run, nothing written), and
 * every `rm -rf` proves its target is a direct child of the deploy directory named
 * `<app>-<event id>`. Live mode, commands through the fake runner except `rm` and `git`, which
 * run for real.
 *
 * Covers: lib/fs.ts, lib/handler/app.ts, lib/handler/consul.ts, lib/handler/event.ts,
 *   lib/handler/handle.ts, lib/handler/step_builders.ts, lib/log.ts.
 *
 * @module
 */
import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { checkoutDir } from "../../lib/handler/app.ts";
import * as c from "../../lib/handler/step_builders.ts";
import { removeCheckout } from "../../lib/handler/step_builders.ts";
import { HttpConsul } from "../../lib/handler/consul.ts";
import { makeEvent } from "../../lib/handler/event.ts";
import { handleEvents } from "../../lib/handler/handle.ts";
import { memoryLogger } from "../../lib/log.ts";
import { exists } from "../../lib/fs.ts";
import { type ConsulDouble, startConsulDouble } from "../support/servers/consul_double.ts";
import { type Fixtures, NAME, PROJECT, REPO } from "./fixtures_test.ts";
import { liveOptions, nodeRunner, withCluster } from "../support/harness/handler_live.ts";

/** The document of the app deployed by ev-1 on nepri, with `changes` applied. */
function stored(changes: Record<string, unknown>): Record<string, unknown> {
  return {
    master: "nepri",
    slave: null,
    ip: "10.0.0.1",
    slave_ip: null,
    repo_url: REPO,
    branch: "master",
    deploy_id: "ev-1",
    previous_deploy_id: null,
    volumes: [`${PROJECT}_dbdata`],
    ...changes,
  };
}

interface Run {
  code: number;
  errors: string[];
  commands: string[];
  kvBefore: string | undefined;
  kvAfter: string | undefined;
}

/** Handles one event live on nepri with `app/<NAME>` set to `doc`; the checkout of ev-1 exists. */
async function runWith(
  fx: Fixtures,
  double: ConsulDouble,
  doc: Record<string, unknown>,
  name: string,
  payload: Record<string, unknown>,
): Promise<Run> {
  double.kvSet(`app/${NAME}`, doc);
  const kvBefore = double.kvText(`app/${NAME}`);
  const deployDir = await fx.deployDir("nepri");
  await Deno.mkdir(`${deployDir}/${NAME}-ev-1`, { recursive: true });
  const runner = nodeRunner(fx, { realRm: true });
  const logger = memoryLogger();
  const consul = new HttpConsul(double.url);
  try {
    const code = await handleEvents(
      [makeEvent("ev-2", name, JSON.stringify(payload))],
      liveOptions({ consul, runner, logger, deployDir, node: "nepri" }),
    );
    return {
      code,
      errors: logger.lines.filter((l) => l.startsWith("ERROR") || l.startsWith("CRITICAL")),
      commands: runner.commandLines,
      kvBefore,
      kvAfter: double.kvText(`app/${NAME}`),
    };
  } finally {
    consul.close();
  }
}

const redeploy = { repo: REPO, branch: "master", master: "nepri" };

Deno.test("a stored deploy_id climbing out of the deploy dir: refused, nothing run, the victim survives", async () => {
  await withCluster(async (fx, double) => {
    const victim = `${fx.root}/victim`;
    await Deno.mkdir(victim);
    await Deno.writeTextFile(`${victim}/precious`, "data");
    const run = await runWith(
      fx,
      double,
      stored({ deploy_id: "ev-1/../../victim" }),
      "deploy",
      redeploy,
    );
    assertEquals(run.code, 1);
    assertEquals(run.commands, [], "not even the clone");
    assertEquals(run.errors, [
      `ERROR event ev-2: deploy of ${NAME}: app/${NAME} in Consul's KV store: field deploy_id: ` +
      `not a valid event ID: "ev-1/../../victim"`,
    ]);
    assertEquals(await exists(`${victim}/precious`), true);
    assertEquals(run.kvAfter, run.kvBefore, "the document is left as it was");
  });
});

Deno.test("every stored value that reaches a path or argv is checked, for deploy and destroy", async () => {
  const cases: Array<[Record<string, unknown>, string, string]> = [
    [{ previous_deploy_id: "../x" }, "previous_deploy_id", `not a valid event ID: "../x"`],
    [{ master: "--help" }, "master", `not a valid node name: "--help"`],
    [{ slave: "a b" }, "slave", `not a valid node name: "a b"`],
    [{ ip: "10.0.0.1;reboot" }, "ip", `not an IP address: "10.0.0.1;reboot"`],
    [{ slave: "tayt", slave_ip: "-oProxyCommand=x" }, "slave_ip", "not an IP address"],
    [{ volumes: "dbdata" }, "volumes", "expected a list of volume names"],
    [{ volumes: ["otherapp_dbdata"] }, "volumes", `"otherapp_dbdata" is not a volume of project`],
    [{ volumes: [`${PROJECT}_../x`] }, "volumes", "is not a volume of project"],
    [{ volumes: [`${PROJECT}_`] }, "volumes", "is not a volume of project"],
    [{ deploy_id: 7 }, "deploy_id", "not a valid event ID: 7"],
    [{ repo_url: "--upload-pack=x" }, "repo_url", "not a valid repository URL"],
  ];
  for (const [changes, field, what] of cases) {
    for (const [name, payload] of [["deploy", redeploy], ["destroy", redeploy]] as const) {
      await withCluster(async (fx, double) => {
        const run = await runWith(fx, double, stored(changes), name, payload);
        const label = `${name} with ${JSON.stringify(changes)}`;
        assertEquals(run.code, 1, label);
        assertEquals(run.commands, [], label);
        assertEquals(run.errors.length, 1, label);
        const prefix = `ERROR event ev-2: ${name} of ${NAME}: app/${NAME} in Consul's KV store: ` +
          `field ${field}: `;
        assertEquals(run.errors[0].startsWith(prefix), true, `${label}: ${run.errors[0]}`);
        assertEquals(run.errors[0].includes(what), true, `${label}: ${run.errors[0]}`);
        assertEquals(run.kvAfter, run.kvBefore, label);
      });
    }
  }
});

Deno.test("a member whose address is not an IP is an error before its value reaches argv", async () => {
  await withCluster(async (fx, _double) => {
    const double = startConsulDouble([{ name: "nepri", addr: "10.0.0.1" }, {
      name: "tayt",
      addr: "$(reboot)",
    }]);
    try {
      const run = await runWith(fx, double, stored({}), "deploy", { ...redeploy, master: "tayt" });
      assertEquals(run.code, 1);
      assertEquals(
        run.commands.some((c) => c.includes("$(reboot)")),
        false,
        run.commands.join("\n"),
      );
      assertEquals(
        run.errors.some((e) => e.includes(`new master 'tayt' has no valid IP address`)),
        true,
        run.errors.join("\n"),
      );
    } finally {
      await double.close();
    }
  });
});

Deno.test("rm -rf only of a direct child of the deploy dir named <app>-<event id>", () => {
  assertEquals(removeCheckout("/deploy", NAME, "ev-1").argv, [
    "rm",
    "-rf",
    "--",
    `/deploy/${NAME}-ev-1`,
  ]);
  assertEquals(removeCheckout("/deploy/", NAME, "ev-1").argv.at(-1), `/deploy/${NAME}-ev-1`);
  for (const id of ["../x", "ev-1/../../x", "", ".", "..", "-rf", "a/b", "ev 1"]) {
    assertThrows(() => removeCheckout("/deploy", NAME, id), /not a valid deploy ID/, id);
  }
  for (const name of ["..", "../x", "a/b", ""]) {
    assertThrows(() => removeCheckout("/deploy", name, "ev-1"), /not a valid application name/);
  }
  assertThrows(() => checkoutDir("/deploy", NAME, "ev-1/.."), /not a valid deploy ID/);
});

Deno.test("volumes, IPs, repo and branch are checked again where they become argv", () => {
  const volume = `${PROJECT}_dbdata`;
  assertEquals(c.snapshot(volume).argv, ["buttervolume", "snapshot", volume]);
  assertEquals(c.restore(volume, volume).argv, ["buttervolume", "restore", volume, volume]);
  assertEquals(c.scheduleBackups("10.0.0.2", true, [volume])[0].argv, [
    "buttervolume",
    "schedule",
    "replicate:10.0.0.2",
    "60",
    volume,
  ]);
  for (const bad of ["-rf", "--help", "../x", "a b", ""]) {
    assertThrows(() => c.snapshot(bad), /not a volume name/, bad);
    assertThrows(() => c.send("10.0.0.2", bad), /not a volume name/, bad);
    assertThrows(() => c.restore(bad), /not a volume name/, bad);
    assertThrows(() => c.schedulePurge(0, [bad]), /not a volume name/, bad);
    assertThrows(() => c.scheduleBackups(undefined, true, [bad]), /not a volume name/, bad);
  }
  assertThrows(() => c.restore(volume, "-rf"), /not a volume name/);
  for (const bad of ["-h", "nepri", "10.0.0.2 x", ""]) {
    assertThrows(() => c.send(bad, volume), /not an IP address/, bad);
    assertThrows(() => c.scheduleBackups(bad, true, [volume]), /not an IP address/, bad);
  }
  assertThrows(() => c.clone("ext::sh -c x", "master", "/tmp/x"), /git clone of/);
  assertThrows(() => c.clone("--upload-pack=x", "master", "/tmp/x"), /git clone of/);
  assertThrows(() => c.clone(REPO, "-b", "/tmp/x"), /git clone of/);
  assertThrows(() => c.updateScript("/d", "-x", "master"), /update.sh of/);
  const ok = { repo: REPO, branch: "master" };
  assertThrows(() => c.postMigrateScript("/d", ok, { ...ok, branch: "--" }), /post_migrate.sh of/);
  assertThrows(() => c.postMigrateScript("/d", { ...ok, repo: "ext::x" }, ok), /post_migrate.sh/);
});

Deno.test("migrate: a bad stored value in the source or target document refuses the event", async () => {
  const target = "lycee-test-mlf_preprod.3d9eb";
  const migrate = { repo: REPO, branch: "master", target: { branch: "preprod" } };
  for (
    const [key, changes, field] of [
      [NAME, { volumes: [`${PROJECT}_dbdata`, "-rf"] }, "volumes"],
      [target, { deploy_id: "ev-1/../.." }, "deploy_id"],
    ] as const
  ) {
    await withCluster(async (fx, double) => {
      double.kvSet(`app/${target}`, {
        ...stored({ volumes: ["lyceetestmlfpreprod3d9eb_dbdata"], branch: "preprod" }),
        ...(key === target ? changes : {}),
      });
      const run = await runWith(
        fx,
        double,
        stored(key === NAME ? changes : {}),
        "migrate",
        migrate,
      );
      assertEquals(run.code, 1);
      assertEquals(run.commands, []);
      assertEquals(run.errors.length, 1);
      assertEquals(
        run.errors[0].startsWith(
          `ERROR event ev-2: migrate of ${target}: app/${key} in Consul's KV store: field ${field}: `,
        ),
        true,
        run.errors[0],
      );
    });
  }
});
