/**
 * The in-memory Consul (lib/handler/memory_consul.ts): KV with ModifyIndex and check-and-set,
 * sessions (acquire, release, destroy, TTL expiry), recursive listing, services, members,
 * events as `consul watch` hands them to the handler, and the handler's lock on top of it.
 *
 * Covers: lib/handler/event.ts, lib/handler/lock.ts, lib/handler/memory_consul.ts, lib/log.ts.
 *
 * @module
 */
import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import { decodeEvent } from "../../lib/handler/event.ts";
import { acquireLocks } from "../../lib/handler/lock.ts";
import { MemoryConsul, parseDuration } from "../../lib/handler/memory_consul.ts";
import { memoryLogger } from "../../lib/log.ts";

Deno.test("memory consul: check-and-set on ModifyIndex; cas 0 only creates", async () => {
  const consul = new MemoryConsul();
  assertEquals(await consul.kvGet("app/a"), undefined);
  assert(await consul.kvPut("app/a", "one", { cas: 0 }));
  assert(!await consul.kvPut("app/a", "again", { cas: 0 }), "cas 0 refuses an existing key");
  const first = (await consul.kvGet("app/a"))!;
  assertEquals(first.value, "one");
  assert(await consul.kvPut("app/b", "other"));
  assert(!await consul.kvPut("app/a", "stale", { cas: first.modifyIndex + 1 }));
  assert(await consul.kvPut("app/a", "two", { cas: first.modifyIndex }));
  const second = (await consul.kvGet("app/a"))!;
  assertEquals(second.value, "two");
  assert(second.modifyIndex > first.modifyIndex, "every write bumps the index");
  assert(!await consul.kvPut("app/a", "lost", { cas: first.modifyIndex }), "old index refused");
  assertEquals((await consul.kvGet("app/a"))!.value, "two");
});

Deno.test("memory consul: recursive list is sorted and limited to the prefix; delete recurse", async () => {
  const consul = new MemoryConsul();
  for (const key of ["migrate/x/success", "app/b", "app/a", "apple", "migrate/x/fail"]) {
    await consul.kvPut(key, key.toUpperCase());
  }
  assertEquals(
    (await consul.kvList("app/")).map((e) => [e.key, e.value]),
    [["app/a", "APP/A"], ["app/b", "APP/B"]],
  );
  assertEquals((await consul.kvList("migrate/x/")).map((e) => e.key), [
    "migrate/x/fail",
    "migrate/x/success",
  ]);
  await consul.kvDelete("app/a");
  assertEquals((await consul.kvList("app")).map((e) => e.key), ["app/b", "apple"]);
  await consul.kvDelete("migrate/", { recurse: true });
  assertEquals(await consul.kvList("migrate/"), []);
});

Deno.test("memory consul: sessions acquire, refuse another holder, release, delete on destroy", async () => {
  const consul = new MemoryConsul();
  const a = await consul.createSession("a", "60s");
  const b = await consul.createSession("b", "60s");
  assert(await consul.kvPut("lock/n/app", "held by a", { acquire: a }));
  assertEquals((await consul.kvGet("lock/n/app"))!.session, a);
  assert(await consul.kvPut("lock/n/app", "a again", { acquire: a }), "the holder may re-acquire");
  assert(!await consul.kvPut("lock/n/app", "b", { acquire: b }), "another session is refused");
  assert(!await consul.kvPut("lock/n/app", "b", { release: b }), "only the holder releases");
  assert(await consul.kvPut("lock/n/app", "free", { release: a }));
  assertEquals((await consul.kvGet("lock/n/app"))!.session, undefined);
  assert(await consul.kvPut("lock/n/app", "held by b", { acquire: b }));
  await consul.destroySession(b);
  assertEquals(await consul.kvGet("lock/n/app"), undefined, "behavior delete: the key goes");
  await rejects(consul.kvPut("lock/n/x", "", { acquire: b }), /invalid session/);
  await rejects(consul.renewSession(b), /not found/);
  assertEquals(consul.sessions().map((s) => s.name), ["a"]);
});

Deno.test("memory consul: a session not renewed within its TTL expires and frees its locks", async () => {
  let now = 1_000_000;
  const consul = new MemoryConsul({ now: () => now });
  const session = await consul.createSession("s", "10s");
  assert(await consul.kvPut("lock/n/app", "x", { acquire: session }));
  now += 9_000;
  await consul.renewSession(session);
  now += 9_000;
  assertEquals((await consul.kvGet("lock/n/app"))?.session, session, "renewed: still alive");
  now += 1_000;
  assertEquals(await consul.kvGet("lock/n/app"), undefined, "expired: its key is deleted");
  await rejects(consul.renewSession(session), /not found/);
  await rejects(consul.createSession("bad", "ten seconds"), /invalid duration/);
  assertEquals(parseDuration("1.5m"), 90_000);
  assertEquals(parseDuration("500ms"), 500);
});

Deno.test("memory consul: the handler's lock works on it and is released", async () => {
  const consul = new MemoryConsul({ node: "n1" });
  const options = {
    consul,
    node: "n1",
    logger: memoryLogger(),
    holder: { event: "ev-1" },
    waitMs: 0,
    pollMs: 1,
  };
  const release = await acquireLocks(["app-b", "app-a"], options);
  assertEquals((await consul.kvList("lock/n1/")).map((e) => e.key), [
    "lock/n1/app-a",
    "lock/n1/app-b",
  ]);
  await rejects(acquireLocks(["app-a"], { ...options, holder: { event: "ev-2" } }), /locked/);
  await release();
  assertEquals(await consul.kvList("lock/"), []);
  assertEquals(consul.sessions(), []);
});

Deno.test("memory consul: services, members, node name, events as consul watch sends them", async () => {
  const consul = new MemoryConsul({ node: "n2", members: { n1: "10.0.0.1", n2: "10.0.0.2" } });
  assertEquals(await consul.nodeName(), "n2");
  assertEquals(await consul.members(), { n1: "10.0.0.1", n2: "10.0.0.2" });
  await consul.registerService({ ID: "web.1", Name: "web", Checks: [] });
  await consul.registerService({ Name: "db" });
  assertEquals(Object.keys(consul.services()).sort(), ["db", "web.1"]);
  assert(await consul.deregisterService("web.1"));
  assert(!await consul.deregisterService("web.1"), "unknown service: false");
  await rejects(consul.registerService({ ID: "x" }), /without a Name/);
  const id = await consul.fireEvent("deploy", '{"repo": "é"}');
  await consul.fireEvent("destroy", "");
  const events = consul.events();
  assertEquals(events.map((e) => [e.Name, e.LTime]), [["deploy", 1], ["destroy", 2]]);
  assertEquals(events[1].Payload, null);
  assertEquals(decodeEvent(events[0], 0), { id, name: "deploy", payload: '{"repo": "é"}' });
  assertEquals(consul.events("destroy").length, 1);
  assertEquals(consul.url, "memory://consul");
});
