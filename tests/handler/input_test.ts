/**
 * Bad input: each bad event gets an error naming the event and the field, nothing is executed
 * for it, the good events of the batch still run, and the exit status is 1.
 *
 * Covers: lib/handler/event.ts, lib/handler/handle.ts, lib/handler/payload.ts.
 *
 * @module
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { makeEvent } from "../../lib/handler/event.ts";
import { handleBatch } from "../../lib/handler/handle.ts";
import { parseDeploy, parseMigrate } from "../../lib/handler/payload.ts";
import { NAME, REPO } from "./fixtures_test.ts";
import { handleOnNepri } from "../support/harness/handler_live.ts";

const good = { repo: REPO, branch: "master", master: "nepri" };
const json = (value: unknown) => JSON.stringify(value);

/** Runs a batch for real on nepri; returns the exit status, error lines, commands and KV keys. */
const runBatch = (batch: string) => handleOnNepri((options) => handleBatch(batch, options));

Deno.test("a batch of bad events and one good one: errors name event and field; good one runs", async () => {
  const batch = [
    makeEvent("bad-json", "deploy", "not json"),
    { ...makeEvent("bad-base64", "deploy", ""), Payload: "%%%not base64" },
    makeEvent("no-branch", "deploy", json({ repo: REPO, master: "nepri" })),
    makeEvent("same-nodes", "deploy", json({ ...good, slave: "nepri" })),
    makeEvent("dash-repo", "deploy", json({ ...good, repo: "--upload-pack=touch /tmp/x" })),
    makeEvent("shell-repo", "deploy", json({ ...good, repo: "https://x.example.com/$(reboot)" })),
    makeEvent("dash-branch", "deploy", json({ ...good, branch: "-b" })),
    makeEvent("shell-branch", "deploy", json({ ...good, branch: "master;reboot" })),
    makeEvent("stranger", "deploy", json({ ...good, slave: "zorg" })),
    makeEvent("no-target", "migrate", json({ repo: REPO, branch: "master" })),
    makeEvent("unknown", "upgrade", json(good)),
    { Name: "deploy", Payload: "" },
    makeEvent("good", "deploy", json(good)),
  ];
  const { code, errors, commands, kv } = await runBatch(json(batch));
  assertEquals(code, 1);
  assertEquals(errors.length, 12);
  assertEquals(errors[0].startsWith("ERROR event bad-json: field Payload: not valid JSON: "), true);
  assertEquals(errors.slice(1), [
    "ERROR event bad-base64: field Payload: not valid base64",
    "ERROR event no-branch: field Payload.branch: required",
    "ERROR event same-nodes: field Payload.slave: must differ from the master (nepri)",
    "ERROR event dash-repo: field Payload.repo: must not start with '-'",
    "ERROR event shell-repo: field Payload.repo: holds characters not allowed in a repo URL: " +
    "https://x.example.com/$(reboot)",
    "ERROR event dash-branch: field Payload.branch: must not start with '-'",
    "ERROR event shell-branch: field Payload.branch: not a valid branch name: master;reboot (only letters, digits and . _ / + @ - are allowed)",
    "ERROR event stranger: field Payload.slave: 'zorg' is not a member (nepri, tayt, edjo)",
    "ERROR event no-target: field Payload.target: required (an object with repo and/or branch)",
    "ERROR event unknown: field Name: unknown event name 'upgrade' (expected deploy, destroy, migrate)",
    "ERROR event #11: field ID: required (a non-empty string)",
  ]);
  assertEquals(commands[0].startsWith("git clone --depth 1 --branch master -- " + REPO), true);
  assertEquals(commands.length, 8, "only the good event's commands ran");
  assertEquals(kv, [`app/${NAME}`]);
});

Deno.test("a batch that is not JSON, or not an array: exit 1, nothing done", async () => {
  for (
    const [batch, error] of [
      ["[{", "ERROR events: not valid JSON: "],
      ['{"ID": "x"}', "ERROR events: expected a JSON array of events, as consul watch sends them"],
    ]
  ) {
    const { code, errors, commands } = await runBatch(batch);
    assertEquals(code, 1);
    assertEquals(errors.length, 1);
    assertEquals(errors[0].startsWith(error), true, errors[0]);
    assertEquals(commands, []);
  }
});

Deno.test("payloads: 'target' is the older name of master; update defaults", () => {
  assertEquals(parseDeploy("e", json({ repo: REPO, branch: "b", target: "n1" })), {
    repo: REPO,
    branch: "b",
    master: "n1",
    update: false,
  });
  assertEquals(parseMigrate("e", json({ repo: REPO, branch: "b", target: { branch: "c" } })), {
    repo: REPO,
    branch: "b",
    target: { repo: REPO, branch: "c" },
    update: true,
  });
});
