/**
 * Migrate and checkouts: `post_migrate.sh`, non-migrable volumes, `.env` naming the compose
 * project in every checkout, and an old checkout that is not there (never compose elsewhere).
 *
 * Covers: lib/handler/consul.ts, lib/handler/effects.ts, lib/handler/event.ts,
 *   lib/handler/handle.ts, lib/handler/migrable.ts, lib/log.ts, lib/proc/fake.ts.
 *
 * @module
 */
import assert, {
  deepStrictEqual as assertEquals,
  throws as assertThrows,
} from "node:assert/strict";
import { memoryLogger } from "../../lib/log.ts";
import { FakeRunner } from "../../lib/proc/fake.ts";
import { HttpConsul } from "../../lib/handler/consul.ts";
import { writeProjectEnv } from "../../lib/handler/effects.ts";
import { makeEvent } from "../../lib/handler/event.ts";
import { handleEvents } from "../../lib/handler/handle.ts";
import { nonMigrableVolumes } from "../../lib/handler/migrable.ts";
import { runTestMode } from "../support/harness/handler_test_mode.ts";
import { deployed, NAME, PREPROD, PREPROD_PROJECT, PROJECT, REPO } from "./fixtures_test.ts";
import { liveOptions, withCluster } from "../support/harness/handler_live.ts";
import { quiet } from "../support/harness/quiet.ts";

const migrate = { repo: REPO, branch: "master", target: { branch: "preprod" } };
const NON_MIGRABLE = "com.github.mlfmonde.cluster.nonmigrable";
const both = { ...deployed("nepri"), ...deployed("nepri", undefined, PREPROD, PREPROD_PROJECT) };
const target = `${PREPROD}-ev-1`;
const compose = (dbLabels = "") =>
  `services:
  db:
    image: mariadb:11
volumes:
  dbdata:
    driver: anybox/buttervolume:latest
${dbLabels}  wwwdata:
    driver: anybox/buttervolume:latest
`;

Deno.test("migrate: post_migrate.sh runs in the target checkout after the restores, before update.sh", async () => {
  const { transcript, code } = await runTestMode({
    node: "nepri",
    event: ["ev-4", "migrate", migrate],
    kv: both,
    checkouts: [target],
    files: {
      [`${target}/docker-compose.yml`]: compose(),
      [`${target}/post_migrate.sh`]: "echo migrated\n",
      [`${target}/update.sh`]: "echo updated\n",
    },
  });
  assertEquals(code, 0);
  const lines = transcript.split("\n");
  const at = (prefix: string) => lines.findIndex((l) => l.startsWith(prefix));
  assertEquals(
    lines[at("sh /deploy")],
    `sh /deploy/${target}/post_migrate.sh -R ${REPO} -B master -r ${REPO} -b preprod` +
      `  # in /deploy/${target}`,
  );
  assertEquals(at("buttervolume restore") < at("sh /deploy"), true, "after the restores");
  assertEquals(at("sh /deploy") < at("sh update.sh"), true, "before update.sh");
});

Deno.test("migrate: no post_migrate.sh in the target checkout, no such step", async () => {
  const { transcript, code } = await runTestMode({
    node: "nepri",
    event: ["ev-4", "migrate", migrate],
    kv: both,
    checkouts: [target],
    files: { [`${target}/docker-compose.yml`]: compose() },
  });
  assertEquals(code, 0);
  assertEquals(transcript.includes("post_migrate"), false);
});

Deno.test("migrate: a target volume labelled non-migrable is kept, and the log says so", async () => {
  for (
    const labels of [
      "    labels:\n      com.github.mlfmonde.cluster.nonmigrable: 'TRUE'\n",
      '    labels: ["com.github.mlfmonde.cluster.nonmigrable=1"]\n',
    ]
  ) {
    const { transcript, log, code } = await runTestMode({
      node: "nepri",
      event: ["ev-4", "migrate", migrate],
      kv: both,
      checkouts: [target],
      files: { [`${target}/docker-compose.yml`]: compose(labels) },
    });
    assertEquals(code, 0);
    assertEquals(transcript.split("\n").filter((l) => l.startsWith("buttervolume restore")), [
      `buttervolume restore ${PROJECT}_wwwdata ${PREPROD_PROJECT}_wwwdata`,
    ]);
    assertEquals(
      transcript.split("\n").filter((l) => l.startsWith("docker volume inspect")),
      [
        `docker volume inspect ${PREPROD_PROJECT}_dbdata`,
        `docker volume inspect ${PREPROD_PROJECT}_wwwdata`,
      ],
      "test mode prints the engine's inspection (no answer: the compose file decides)",
    );
    assertEquals(
      log.includes(
        `INFO Kept ${PREPROD_PROJECT}_dbdata: labelled com.github.mlfmonde.cluster.nonmigrable, ` +
          `not overwritten by ${PROJECT}_dbdata`,
      ),
      true,
      log.join("\n"),
    );
  }
  const { transcript } = await runTestMode({
    node: "nepri",
    event: ["ev-4", "migrate", migrate],
    kv: both,
    checkouts: [target],
    files: {
      [`${target}/docker-compose.yml`]: compose(
        "    labels:\n      com.github.mlfmonde.cluster.nonmigrable: 'false'\n",
      ),
    },
  });
  assertEquals(
    transcript.split("\n").filter((l) => l.startsWith("buttervolume restore")).length,
    2,
  );
});

Deno.test("migrate: a failing post_migrate.sh fails the event; the target is not restarted", async () => {
  await withCluster(async (fx, double) => {
    const consul = new HttpConsul(double.agentUrl("nepri"));
    try {
      for (const [key, value] of Object.entries(both)) double.kvSet(key, value);
      const deployDir = await fx.deployDir("nepri");
      await Deno.mkdir(`${deployDir}/${target}`);
      await Deno.writeTextFile(`${deployDir}/${target}/docker-compose.yml`, compose());
      await Deno.writeTextFile(`${deployDir}/${target}/post_migrate.sh`, "exit 3\n");
      const runner = new FakeRunner()
        .on(["buttervolume", "snapshot"], (argv) => ({ stdout: `${argv[2]}@1\n` }))
        .on((argv) => argv[1]?.endsWith("/post_migrate.sh"), { code: 3, stderr: "no database\n" });
      const code = await handleEvents(
        [makeEvent("ev-4", "migrate", JSON.stringify(migrate))],
        liveOptions({
          consul,
          runner,
          logger: memoryLogger(),
          deployDir,
          node: "nepri",
          lockWaitMs: 1000,
          transferTimeoutMs: 1000,
        }),
      );
      assertEquals(code, 1);
      assertEquals(runner.commandLines.at(-1)?.startsWith(`sh ${deployDir}/${target}/post`), true);
      assertEquals(runner.commandLines.some((l) => l.endsWith(" up -d")), false);
      const doc = JSON.parse(double.kvText(`app/${PREPROD}`)!);
      assertEquals(doc.error.message, "exit status 3: no database");
      assertEquals(double.kvText(`maintenance/${PREPROD}`), "", "maintenance stays on");
    } finally {
      consul.close();
    }
  });
});

Deno.test("migrate: the engine's volume labels decide; the compose file only for a volume not created yet", async () => {
  const db = `${PREPROD_PROJECT}_dbdata`;
  const www = `${PREPROD_PROJECT}_wwwdata`;
  const inspect = (labels: Record<string, string> | null) => ({
    stdout: JSON.stringify([{ Name: "v", Driver: "local", Labels: labels }]),
  });
  const cases: Array<{
    why: string;
    labels: string;
    replies: Record<string, ReturnType<typeof inspect> | { code: number; stderr: string }>;
    restored?: string[];
    failure?: string;
  }> = [
    {
      why: "labelled by hand on the engine, not in the compose file: kept",
      labels: "",
      replies: { [db]: inspect({ [NON_MIGRABLE]: "True" }), [www]: inspect(null) },
      restored: [www],
    },
    {
      why: "labelled in the compose file only, the volume exists unlabelled: overwritten",
      labels: `    labels:\n      ${NON_MIGRABLE}: 'true'\n`,
      replies: { [db]: inspect({ other: "x" }), [www]: inspect({ [NON_MIGRABLE]: "0" }) },
      restored: [db, www],
    },
    {
      why: "no such volume yet: the compose file's label decides",
      labels: `    labels:\n      ${NON_MIGRABLE}: '1'\n`,
      replies: {
        [db]: { code: 1, stderr: `Error: No such volume: ${db}\n` },
        [www]: { code: 1, stderr: `Error response from daemon: get ${www}: no such volume\n` },
      },
      restored: [www],
    },
    {
      why: "the engine cannot answer: the event fails, nothing overwritten",
      labels: "",
      replies: { [db]: { code: 1, stderr: "Cannot connect to the Docker daemon\n" } },
      restored: [],
      failure: "exit status 1: Cannot connect to the Docker daemon",
    },
  ];
  for (const { why, labels, replies, restored, failure } of cases) {
    await withCluster(async (fx, double) => {
      const consul = new HttpConsul(double.agentUrl("nepri"));
      try {
        for (const [key, value] of Object.entries(both)) double.kvSet(key, value);
        const deployDir = await fx.deployDir("nepri");
        await Deno.mkdir(`${deployDir}/${target}`);
        await Deno.writeTextFile(`${deployDir}/${target}/docker-compose.yml`, compose(labels));
        const runner = new FakeRunner()
          .on(["buttervolume", "snapshot"], (argv) => ({ stdout: `${argv[2]}@1\n` }))
          .on(["docker", "volume", "inspect"], (argv) => replies[argv[3]] ?? inspect(null));
        const code = await handleEvents(
          [makeEvent("ev-4", "migrate", JSON.stringify(migrate))],
          liveOptions({
            consul,
            runner,
            logger: memoryLogger(),
            deployDir,
            node: "nepri",
            lockWaitMs: 1000,
            transferTimeoutMs: 1000,
          }),
        );
        assertEquals(code, failure === undefined ? 0 : 1, why);
        assertEquals(
          runner.calls.filter((c) => c.argv[1] === "restore").map((c) => c.argv[3]),
          restored,
          why,
        );
        assertEquals(runner.commandLines.includes(`docker volume inspect ${db}`), true, why);
        if (failure !== undefined) {
          assertEquals(JSON.parse(double.kvText(`app/${PREPROD}`)!).error.message, failure, why);
        }
      } finally {
        consul.close();
      }
    });
  }
});

Deno.test("migrate: no checkout of the target on its master is an error, not compose elsewhere", async () => {
  const { transcript, log, code } = await runTestMode({
    node: "nepri",
    event: ["ev-4", "migrate", migrate],
    kv: both,
  });
  assertEquals(code, 1);
  assertEquals(transcript.includes("docker compose"), false, transcript);
  assertEquals(log.at(-1)?.includes(`no checkout of the target application ${PREPROD}`), true);
});

Deno.test(".env: every new checkout names its compose project", async () => {
  for (const payload of [{ master: "nepri" }, { master: "tayt", slave: "nepri" }]) {
    const { transcript, code } = await runTestMode({
      node: "nepri",
      event: ["ev-2", "deploy", { repo: REPO, branch: "master", ...payload }],
    });
    assertEquals(code, 0);
    assertEquals(transcript.split("\n").slice(0, 2), [
      `git clone --depth 1 --branch master -- ${REPO} /deploy/${NAME}-ev-2`,
      `write /deploy/${NAME}-ev-2/.env: COMPOSE_PROJECT_NAME=${PROJECT}`,
    ]);
  }
});

Deno.test(".env: the variable is set, the application's own lines are kept, a link refused", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeProjectEnv(dir, "p1");
    assertEquals(await Deno.readTextFile(`${dir}/.env`), "COMPOSE_PROJECT_NAME=p1\n");
    await Deno.writeTextFile(`${dir}/.env`, "A=1\nCOMPOSE_PROJECT_NAME=other\nB=2");
    await writeProjectEnv(dir, "p2");
    assertEquals(await Deno.readTextFile(`${dir}/.env`), "A=1\nB=2\nCOMPOSE_PROJECT_NAME=p2\n");
    await Deno.writeTextFile(`${dir}/outside`, "X=1\n");
    await Deno.remove(`${dir}/.env`);
    await Deno.symlink(`${dir}/outside`, `${dir}/.env`);
    await writeProjectEnv(dir, "p3").then(
      () => assert.fail("a linked .env was written"),
      (error) =>
        assertEquals(
          error.message,
          `${dir}/.env: not a regular file (a link?): refusing to write it`,
        ),
    );
    assertEquals(await Deno.readTextFile(`${dir}/outside`), "X=1\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const warning = `WARNING Cannot stop ${NAME}: no checkout at /deploy/${NAME}-ev-1`;

Deno.test("old checkout missing: master → master warns and runs no compose outside a checkout", async () => {
  const { transcript, log, code } = await runTestMode({
    node: "nepri",
    event: ["ev-2", "deploy", { repo: REPO, branch: "master", master: "nepri" }],
    kv: deployed("nepri"),
  });
  assertEquals(code, 0);
  const compose = transcript.split("\n").filter((l) => l.startsWith("docker compose"));
  assertEquals(
    compose.every((l) => l.endsWith(`# in /deploy/${NAME}-ev-2`)),
    true,
    compose.join("\n"),
  );
  assertEquals(
    log.some((l) => l.replaceAll(/\/tmp\/[^ ]*deploy-nepri/g, "/deploy") === warning),
    true,
    log.join("\n"),
  );
});

Deno.test("old checkout missing: master → elsewhere and destroy warn instead of compose in /deploy", async () => {
  for (
    const event of [
      ["ev-2", "deploy", { repo: REPO, branch: "master", master: "tayt" }],
      ["ev-2", "destroy", { repo: REPO, branch: "master" }],
    ] as Array<[string, string, Record<string, unknown>]>
  ) {
    const { transcript, log, code } = await runTestMode({
      node: "nepri",
      event,
      kv: deployed("nepri"),
    });
    assertEquals(code, 0);
    assertEquals(transcript.includes("docker compose"), false, transcript);
    assertEquals(
      log.some((l) => l.replaceAll(/\/tmp\/[^ ]*deploy-nepri/g, "/deploy") === warning),
      true,
      log.join("\n"),
    );
  }
});

Deno.test("re-sent event without a previous deploy: warns, no stop is run in the new checkout", async () => {
  const { transcript, log, code } = await runTestMode({
    node: "nepri",
    event: ["ev-1", "deploy", { repo: REPO, branch: "master", master: "nepri" }],
    kv: deployed("nepri"),
    checkouts: [`${NAME}-ev-1`],
  });
  assertEquals(code, 0);
  const compose = transcript.split("\n").filter((l) => l.startsWith("docker compose"));
  assertEquals(compose.map((l) => l.split("  # ")[0].split(" ").pop()), ["pull", "--pull", "-d"]);
  assertEquals(
    log.some((l) => l.startsWith(`WARNING Cannot stop ${NAME}: no checkout at `)),
    true,
    log.join("\n"),
  );
});

Deno.test("re-sent deploy event: the old checkout is previous_deploy_id's, stopped there and removed", async () => {
  const kv = {
    [`app/${NAME}`]: { ...deployed("nepri")[`app/${NAME}`], previous_deploy_id: "ev-0" },
  };
  const { transcript, code } = await runTestMode({
    node: "nepri",
    event: ["ev-1", "deploy", { repo: REPO, branch: "master", master: "nepri" }],
    kv,
    checkouts: [`${NAME}-ev-1`, `${NAME}-ev-0`],
  });
  assertEquals(code, 0);
  const lines = transcript.split("\n");
  const down = `docker compose -p ${PROJECT} down  # in /deploy/${NAME}-ev-0`;
  assertEquals(lines.includes(down), true, transcript);
  assertEquals(lines.at(-1), `rm -rf -- /deploy/${NAME}-ev-0`);
  assertEquals(
    lines.indexOf(down) <
      lines.findIndex((l) => l.endsWith(" up -d  # in /deploy/" + NAME + "-ev-1")),
    true,
  );
  assertEquals(
    transcript.includes(`rm -rf -- /deploy/${NAME}-ev-1\n`),
    true,
    "the re-sent event's checkout is fetched again",
  );
});

Deno.test("non-migrable volumes: compose errors as parseCompose gives them, no YAML warning printed", () => {
  const where = "/deploy/x-ev-1/docker-compose.yml";
  const cases: Array<[string, string]> = [
    ["volumes: [", `compose file ${where}: 1:11 Flow sequence in block collection`],
    ["- a\n", `compose file ${where}: 1:1 expected a mapping at the top`],
    ["volumes:\n  - dbdata\n", `compose file ${where}: 2:3 volumes: expected a mapping`],
    [
      "x: !unknown-tag y\nvolumes:\n  dbdata: 3\n",
      `compose file ${where}: 3:11 volumes.dbdata: expected a mapping`,
    ],
  ];
  for (const [text, start] of cases) {
    const printed = quiet(() =>
      assertThrows(
        () => nonMigrableVolumes(text, "p", where),
        (e: Error) => e.name === "ComposeError" && e.message.startsWith(start),
        `${JSON.stringify(text)} should start with ${start}`,
      )
    );
    assertEquals(printed, [], `nothing printed for ${JSON.stringify(text)}`);
  }
  let found: string[] = [];
  const printed = quiet(() => {
    found = nonMigrableVolumes(
      "x: !unknown-tag y\nvolumes:\n  dbdata:\n    labels: [com.github.mlfmonde.cluster.nonmigrable=1]\n  www:\n",
      "p",
      where,
    );
  });
  assertEquals(found, ["p_dbdata"]);
  assertEquals(printed, [], "an unknown tag is no warning on stderr");
});

Deno.test("migrate: a target compose file that cannot be read fails the event with its place", async () => {
  const { log, code } = await runTestMode({
    node: "nepri",
    event: ["ev-4", "migrate", migrate],
    kv: both,
    checkouts: [target],
    files: { [`${target}/docker-compose.yml`]: "volumes:\n  - dbdata\n" },
  });
  assertEquals(code, 1);
  const failure = log.find((l) => l.startsWith("CRITICAL"));
  assertEquals(
    failure?.replaceAll(/\/tmp\/[^ ]*deploy-nepri/g, "/deploy"),
    `CRITICAL event ev-4: migrate of ${PREPROD} failed at planning: compose file ` +
      `/deploy/${target}/docker-compose.yml: 2:3 volumes: expected a mapping`,
  );
});
