/**
 * The handler's Consul client (npm:consul over HTTP) against the Consul API double: real HTTP
 * requests on loopback, checked on both sides.
 *
 * Covers: lib/handler/consul.ts.
 *
 * @module
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { HttpConsul } from "../../lib/handler/consul.ts";
import { startConsulDouble } from "../support/servers/consul_double.ts";

async function withConsul(
  fn: (client: HttpConsul, double: ReturnType<typeof startConsulDouble>) => Promise<void>,
) {
  const double = startConsulDouble([
    { name: "nepri", addr: "10.0.0.1" },
    { name: "tayt", addr: "10.0.0.2" },
  ]);
  const client = new HttpConsul(double.agentUrl("tayt"));
  try {
    await fn(client, double);
  } finally {
    client.close();
    await double.close();
  }
}

Deno.test("KV: put, get (base64 Value on the wire), recurse, delete", async () => {
  await withConsul(async (consul, double) => {
    assertEquals(await consul.kvGet("app/x"), undefined);
    assertEquals(await consul.kvPut("app/x", '{"master": "nepri"}'), true);
    assertEquals(await consul.kvPut("app/y", "é"), true);
    assertEquals((await consul.kvGet("app/x"))?.value, '{"master": "nepri"}');
    const wire = await (await fetch(`${double.url}/v1/kv/app/y`)).json();
    assertEquals(wire[0].Value, btoa(String.fromCharCode(...new TextEncoder().encode("é"))));
    assertEquals((await consul.kvList("app/")).map((e) => [e.key, e.value]), [
      ["app/x", '{"master": "nepri"}'],
      ["app/y", "é"],
    ]);
    await consul.kvDelete("app/", { recurse: true });
    assertEquals(await consul.kvList("app/"), []);
    assertEquals(
      double.requests.map((r) => `${r.agent} ${r.method} ${r.path}${r.query ? "?" + r.query : ""}`),
      [
        "tayt GET /v1/kv/app/x",
        "tayt PUT /v1/kv/app/x",
        "tayt PUT /v1/kv/app/y",
        "tayt GET /v1/kv/app/x",
        "nepri GET /v1/kv/app/y", // the raw fetch above, on the default agent
        "tayt GET /v1/kv/app/?recurse=true",
        "tayt DELETE /v1/kv/app/?recurse=true",
        "tayt GET /v1/kv/app/?recurse=true",
      ],
    );
  });
});

Deno.test("KV: check-and-set refuses a stale index", async () => {
  await withConsul(async (consul) => {
    assertEquals(await consul.kvPut("k", "1", { cas: 0 }), true);
    assertEquals(await consul.kvPut("k", "2", { cas: 0 }), false, "cas=0: only if absent");
    const entry = (await consul.kvGet("k"))!;
    assertEquals(await consul.kvPut("k", "2", { cas: entry.modifyIndex }), true);
    assertEquals(await consul.kvPut("k", "3", { cas: entry.modifyIndex }), false, "stale index");
    assertEquals((await consul.kvGet("k"))?.value, "2");
  });
});

Deno.test("sessions: acquire excludes another session; release and destroy free the lock", async () => {
  await withConsul(async (consul, double) => {
    const a = await consul.createSession("a", "60s");
    const b = await consul.createSession("b", "60s");
    assertEquals(await consul.kvPut("lock/tayt/app", "a", { acquire: a }), true);
    assertEquals(await consul.kvPut("lock/tayt/app", "b", { acquire: b }), false);
    assertEquals((await consul.kvGet("lock/tayt/app"))?.session, a);
    assertEquals(await consul.kvPut("lock/tayt/app", "", { release: b }), false);
    assertEquals(await consul.kvPut("lock/tayt/app", "", { release: a }), true);
    assertEquals(await consul.kvPut("lock/tayt/app", "b", { acquire: b }), true);
    await consul.renewSession(b);
    await consul.destroySession(b);
    assertEquals(await consul.kvGet("lock/tayt/app"), undefined, "behavior delete");
    assertEquals(double.sessions.has(b), false);
    assertEquals(double.sessions.get(a)?.TTL, "60s");
  });
});

Deno.test("agent: service register/deregister on this node's agent, members, node name", async () => {
  await withConsul(async (consul, double) => {
    await consul.registerService({
      ID: "app",
      Name: "app",
      Checks: [{ HTTP: "http://app.example.com", Interval: "60s" }],
    });
    assertEquals(double.services("tayt"), {
      app: {
        ID: "app",
        Name: "app",
        Checks: [{ HTTP: "http://app.example.com", Interval: "60s" }],
      },
    });
    assertEquals(double.services("nepri"), {});
    assertEquals(await consul.deregisterService("app"), true);
    assertEquals(await consul.deregisterService("app"), false, "unknown service ID: 404");
    assertEquals(await consul.members(), { nepri: "10.0.0.1", tayt: "10.0.0.2" });
    assertEquals(await consul.nodeName(), "tayt");
  });
});

Deno.test("events: fire, then list as consul watch hands them to the handler", async () => {
  await withConsul(async (consul, double) => {
    const id = await consul.fireEvent("deploy", '{"repo": "r"}');
    const list = await (await fetch(`${double.url}/v1/event/list?name=deploy`)).json();
    assertEquals(list.length, 1);
    assertEquals(list[0].ID, id);
    assertEquals(list[0].Name, "deploy");
    assertEquals(atob(list[0].Payload), '{"repo": "r"}');
  });
});

Deno.test("errors name the agent and the call", async () => {
  const consul = new HttpConsul("http://127.0.0.1:9");
  try {
    await consul.kvGet("app/x");
    throw new Error("expected a failure");
  } catch (error) {
    assertEquals(
      (error as Error).message.startsWith("Consul at http://127.0.0.1:9: GET kv/app/x: "),
      true,
    );
  } finally {
    consul.close();
  }
});
