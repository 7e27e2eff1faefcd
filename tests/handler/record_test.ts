/**
 * The `app/<name>` document read back from Consul's KV store: parsed, and every value that can
 * become a path or an argv element checked as a fresh event's, the error naming key and field;
 * members' IPs.
 *
 * Covers: lib/handler/record.ts.
 */
import { deepEqual, equal, throws } from "node:assert/strict";
import { ipOf, parseRecord } from "../../lib/handler/record.ts";
import { PlanError, RefusedError } from "../../lib/handler/errors.ts";

const NAME = "shop_master.1a2b3";

Deno.test("a good document comes back as it was stored", () => {
  const doc = {
    master: "node1",
    slave: "node2",
    ip: "10.0.0.1",
    deploy_id: "ev-1",
    volumes: ["shopmaster1a2b3_data"],
    repo_url: "https://git.example.com/shop.git",
    branch: "master",
  };
  deepEqual(parseRecord(NAME, JSON.stringify(doc)), doc);
});

Deno.test("a document that is not a JSON object is refused, naming the key", () => {
  for (const text of ["", "[]", "null", "{"]) {
    throws(() => parseRecord(NAME, text), (e) =>
      e instanceof RefusedError &&
      e.message === `app/${NAME} in Consul's KV store is not a JSON object`);
  }
});

Deno.test("a hostile value is refused, naming the key and the field; nothing is returned", () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ master: "../x" }, "field master: not a valid node name"],
    [{ ip: "1.2.3.4; rm -rf /" }, "field ip: not an IP address"],
    [{ deploy_id: "ev-1/../../victim" }, "field deploy_id: not a valid event ID"],
    [{ volumes: ["other_data"] }, 'field volumes: "other_data" is not a volume of project'],
    [{ repo_url: "ext::sh -c x" }, "field repo_url: not a valid repository URL"],
    [{ branch: "-x" }, "field branch: not a valid branch name"],
  ];
  for (const [doc, what] of cases) {
    throws(
      () => parseRecord(NAME, JSON.stringify(doc)),
      (e) =>
        e instanceof RefusedError &&
        e.message.includes(`app/${NAME} in Consul's KV store: ${what}`),
    );
  }
});

Deno.test("ipOf: a member's IP, or a plan error naming the node and its role", () => {
  equal(ipOf({ node1: "10.0.0.1" }, "node1", "master"), "10.0.0.1");
  throws(
    () => ipOf({}, "node9", "slave"),
    (e) => e instanceof PlanError && e.message === "slave 'node9' is not a member of the cluster",
  );
  throws(() => ipOf({ node1: "not-an-ip" }, "node1", "master"), PlanError);
});
