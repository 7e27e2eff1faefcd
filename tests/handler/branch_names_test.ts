/**
 * Branch names with `/`: mapped into the application name (`/` → `~`, which git refuses in branch
 * names), so the checkout directory, the KV keys, the compose project and the Consul service stay
 * valid; an application whose compose project is another deployed application's is refused
 * before anything runs (deploy, destroy, migrate).
 *
 * Covers: lib/handler/app.ts, lib/handler/collisions.ts, lib/handler/event_actions.ts, through
 *   tests/support/harness/handler_test_mode.ts.
 *
 * @module
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { appIdentity } from "../../lib/handler/app.ts";
import { runTestMode } from "../support/harness/handler_test_mode.ts";
import { deployed, NAME, REPO } from "./fixtures_test.ts";

const FEATURE = "lycee-test-mlf_feature~x.3d9eb";
const FEATURE_PROJECT = "lyceetestmlffeaturex3d9eb";

Deno.test("app name: each '/' of the branch becomes '~'; names of branches without '/' unchanged", () => {
  assertEquals(appIdentity(REPO, "feature/x"), {
    repo: REPO,
    branch: "feature/x",
    name: FEATURE,
    project: FEATURE_PROJECT,
  });
  assertEquals(appIdentity(REPO, "master").name, NAME);
  assertEquals(
    appIdentity("https://git.example.com/x/apprepo", "a/b/c").name.split(".")[0],
    "apprepo_a~b~c",
  );
});

Deno.test("deploy of a branch with '/': checkout, KV key, compose project and service valid", async () => {
  const { transcript, log, code } = await runTestMode({
    node: "nepri",
    event: ["ev-2", "deploy", { repo: REPO, branch: "feature/x", master: "nepri" }],
  });
  assertEquals(code, 0, log.join("\n"));
  const lines = transcript.split("\n");
  assertEquals(lines.slice(0, 2), [
    // The command line is printed as a shell would read it: `~` is quoted.
    `git clone --depth 1 --branch feature/x -- ${REPO} '/deploy/${FEATURE}-ev-2'`,
    `write /deploy/${FEATURE}-ev-2/.env: COMPOSE_PROJECT_NAME=${FEATURE_PROJECT}`,
  ]);
  assertEquals(lines.includes(`PUT http://127.0.0.1:8500/v1/kv/app/${FEATURE}`), true, transcript);
  assertEquals(
    lines.includes(`docker compose -p ${FEATURE_PROJECT} up -d  # in /deploy/${FEATURE}-ev-2`),
    true,
  );
  assertEquals(transcript.includes(`"ID": "${FEATURE}"`), true, "the Consul service");
  assertEquals(lines.at(-1), `DELETE http://127.0.0.1:8500/v1/kv/maintenance/${FEATURE}`);
});

Deno.test("two branches with one compose project: deploy, destroy and migrate refused before anything runs", async () => {
  const other = "lycee-test-mlf_featurex.3d9eb";
  const kv = {
    ...deployed("nepri", undefined, FEATURE, FEATURE_PROJECT),
    [`app/${other}`]: { ...deployed("nepri")[`app/${NAME}`], branch: "featurex" },
  };
  const refusal = `its compose project ${FEATURE_PROJECT} is also that of app ${other} ` +
    "(they would share containers and volumes)";
  for (
    const [name, payload, about] of [
      ["deploy", { repo: REPO, branch: "feature/x", master: "nepri" }, FEATURE],
      ["destroy", { repo: REPO, branch: "feature/x" }, FEATURE],
      ["migrate", { repo: REPO, branch: "master", target: { branch: "feature/x" } }, FEATURE],
    ] as Array<[string, Record<string, unknown>, string]>
  ) {
    const { transcript, log, code } = await runTestMode({
      node: "nepri",
      event: ["ev-3", name, payload],
      kv: { ...kv, ...deployed("nepri") },
    });
    assertEquals(code, 1, name);
    assertEquals(transcript, "", `${name}: nothing run`);
    assertEquals(log.at(-1), `ERROR event ev-3: ${name} of ${about}: ${refusal}`, name);
  }
});
