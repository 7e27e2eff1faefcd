/**
 * The pure parts of `serve`: which rollout events consecutive snapshots bring (and the keys
 * every serve process computes alike), the `--notify` argv check, `--listen` rules, and the
 * Apps page's view of Consul's `app/<name>` records (read through the handler's Consul client
 * from the Consul double; hostile or malformed values reported, not shown as fields).
 *
 * Covers: lib/operator/serve/rollout_events.ts, lib/operator/serve/notify.ts,
 *   lib/operator/serve/listen.ts, lib/operator/serve/apps.ts.
 */
import { deepEqual, equal, throws } from "node:assert/strict";
import { ERROR_GRACE_MS, RolloutEvents } from "../../../lib/operator/serve/rollout_events.ts";
import type { StatusSnapshot } from "../../../lib/operator/serve/status_feed.ts";
import type { HostStatus } from "../../../lib/operator/fleet_status.ts";
import { parseNotifyArgv } from "../../../lib/operator/serve/notify.ts";
import { checkListenOptions, isLoopback, parseListen } from "../../../lib/operator/serve/listen.ts";
import { readApps } from "../../../lib/operator/serve/apps.ts";
import { HttpConsul } from "../../../lib/handler/consul.ts";
import { startConsulDouble } from "../../support/servers/consul_double.ts";
import type { Value } from "../../../lib/tree/model.ts";
import type { Pin } from "../../../lib/cluster/mod.ts";

let seq = 0;
function snap(
  hv: number,
  version: Value | null,
  hosts: Partial<HostStatus>[],
  extra: { pin?: Pin | null; records?: Record<string, unknown>[] } = {},
): StatusSnapshot {
  const state = version === null ? "stopped" : version === false ? "paused" : "running";
  const document = {
    version,
    state,
    roleLocks: [],
    pin: extra.pin ?? null,
    current: null,
    rollouts: [],
    hosts: hosts.map((h, i) => ({
      id: `h${i}`,
      name: null,
      role: null,
      version: version,
      converged: true,
      error: null,
      connected: true,
      ...h,
    })),
  } as StatusSnapshot["document"];
  const history = {
    pin: extra.pin ?? null,
    pinProblem: null,
    foreign: [],
    records: extra.records ?? [],
  };
  const historyJson = JSON.stringify(history);
  return {
    document,
    hostsVersion: hv,
    json: JSON.stringify(document),
    seq: ++seq,
    history,
    historyJson,
  };
}

const kinds = (events: { kind: string; key: string }[]) => events.map((e) => `${e.key}`);

Deno.test("rollout events: baseline silent; started, converged, all-stop, resumed once each", () => {
  const e = new RolloutEvents();
  deepEqual(e.next(snap(1, "a", [{}, {}])), []); // converged before: not told
  deepEqual(kinds(e.next(snap(2, "b", [{ converged: false }, { converged: false }]))), [
    "0000000002-started",
  ]);
  deepEqual(e.next(snap(2, "b", [{}, { converged: false }])), []);
  deepEqual(kinds(e.next(snap(2, "b", [{}, {}]))), ["0000000002-converged"]);
  deepEqual(e.next(snap(2, "b", [{}, {}])), []); // told once
  deepEqual(e.next(snap(3, "c", [{ converged: false }, { converged: false }])).length, 1);
  // ALL STOP waits for the host's error (the agent writes it just after None)...
  deepEqual(e.next(snap(4, null, [{ converged: false }, { converged: false }]), 1000), []);
  equal(e.waitingForError, true);
  const [stop] = e.next(snap(4, null, [{ converged: false }, { error: "boom" }]), 1100);
  equal(stop.kind, "all-stop");
  equal(stop.rolloutVersion, "c");
  deepEqual(stop.failedHosts, [{ id: "h1", name: null, error: "boom" }]);
  equal(e.waitingForError, false);
  const [resumed, converged] = e.next(snap(5, "c", [{}, {}]));
  equal(resumed.kind, "resumed");
  equal(resumed.previousVersion, null);
  equal(converged.kind, "converged");
});

Deno.test("rollout events: rolled back (not started), pinned, unpinned, once each", () => {
  const e = new RolloutEvents();
  const pin: Pin = { version: "b", by: "ann@h", at: "2026-12-07T16:00:00.123Z", from: "c" };
  deepEqual(e.next(snap(3, null, [{ error: "boom" }])), []); // baseline: ALL STOP at c
  const rollback = { id: "0000000004", rollbackFrom: "c" };
  const back = e.next(snap(4, "b", [{ converged: false }], { pin, records: [rollback] }));
  deepEqual(kinds(back), ["0000000004-rolled-back", "pin-20261207160000123-pinned"]);
  equal(back[0].rollbackFrom, "c");
  equal(back[1].pin?.by, "ann@h");
  deepEqual(e.next(snap(4, "b", [{}], { pin, records: [rollback] })).map((x) => x.key), [
    "0000000004-converged",
  ]);
  const unpinned = e.next(snap(4, "b", [{}], { records: [rollback] }));
  deepEqual(kinds(unpinned), ["pin-20261207160000123-unpinned"]);
  equal(unpinned[0].pin?.version, "b");
  deepEqual(e.next(snap(4, "b", [{}], { records: [rollback] })), []);
  // A plain sync afterwards is `started` again.
  const next = e.next(snap(5, "d", [{ converged: false }], {
    records: [{ id: "0000000005" }, rollback],
  }));
  deepEqual(kinds(next), ["0000000005-started"]);
});

Deno.test("rollout events: ALL STOP without any error is told after the grace", () => {
  const e = new RolloutEvents();
  e.next(snap(1, "a", [{}]));
  deepEqual(e.next(snap(2, null, [{ converged: false }]), 0), []);
  const [stop] = e.next(snap(2, null, [{ converged: false }]), ERROR_GRACE_MS);
  equal(stop.key, "0000000002-all-stop");
  deepEqual(stop.failedHosts, []);
});

Deno.test("rollout events: a serve started during ALL STOP does not tell it", () => {
  const e = new RolloutEvents();
  deepEqual(e.next(snap(7, null, [{ error: "x" }]), 0), []);
  deepEqual(e.next(snap(7, null, [{ error: "x" }]), ERROR_GRACE_MS * 2), []);
});

Deno.test("--notify takes a JSON argv array only", () => {
  deepEqual(parseNotifyArgv('["/bin/x", "a b", "$(rm -rf /)"]'), ["/bin/x", "a b", "$(rm -rf /)"]);
  for (const bad of ["/bin/x arg", "[]", '[""]', "[1]", '"x"', '["a\\u0000"]']) {
    throws(() => parseNotifyArgv(bad), /JSON array/, bad);
  }
});

Deno.test("--listen: HOST:PORT, loopback or with a token; TLS options together", () => {
  deepEqual(parseListen("127.0.0.1:8080"), { hostname: "127.0.0.1", port: 8080 });
  deepEqual(parseListen("[::1]:0"), { hostname: "::1", port: 0 });
  for (const bad of ["8080", "host:99999", "[nope]:1", "a b:1", ":80"]) {
    throws(() => parseListen(bad), /--listen/, bad);
  }
  equal(isLoopback("127.0.0.2"), true);
  equal(isLoopback("localhost"), true);
  equal(isLoopback("0.0.0.0"), false);
  equal(isLoopback("10.1.2.3"), false);
  throws(() => checkListenOptions(parseListen("0.0.0.0:1"), {}), /needs --token-file/);
  deepEqual(checkListenOptions(parseListen("127.0.0.1:1"), {}).warnings, []);
  equal(checkListenOptions(parseListen("0.0.0.0:1"), { tokenFile: "t" }).warnings.length, 1);
  throws(() => checkListenOptions(parseListen("127.0.0.1:1"), { tlsCert: "c" }), /go together/);
});

Deno.test("apps: records from Consul, checked; maintenance; hostile values as problems", async () => {
  const consul = startConsulDouble([{ name: "node1", addr: "10.0.0.1" }]);
  const client = new HttpConsul(consul.url);
  try {
    consul.kvSet("app/shop", {
      master: "node1",
      slave: null,
      urls: "http://shop <b>x</b>",
      deploy_id: "ev-1",
      error: { node: "node1", message: "compose failed" },
    });
    consul.kvSet("app/evil", { master: "<script>alert(1)</script>", deploy_id: "../../etc" });
    consul.kvSet("app/broken", "not json");
    consul.kvSet("app/shop/extra", "{}");
    consul.kvSet("maintenance/shop", "");
    const apps = await readApps(client);
    deepEqual(apps.map((a) => a.name), ["broken", "evil", "shop"]);
    const [broken, evil, shop] = apps;
    deepEqual(broken.problems, ["the record is not JSON"]);
    equal(evil.master, null);
    equal(evil.deploy_id, null);
    equal(evil.problems.length, 2);
    deepEqual(
      { ...shop, problems: shop.problems },
      {
        name: "shop",
        master: "node1",
        slave: null,
        urls: "http://shop <b>x</b>",
        deploy_id: "ev-1",
        maintenance: true,
        error: "node1: compose failed",
        problems: [],
      },
    );
  } finally {
    client.close();
    await consul.close();
  }
});
