/**
 * `serve --notify`: two `serve` processes on one real ZooKeeper cluster with real agents. A sync
 * bump is told once (`started`); a host's failure makes ALL STOP, told once with the version
 * being rolled out and the host's error; after the cause is fixed, `resume` is told once even
 * though CMD fails twice first (retried with backoff), then `converged`. CMD is an argv array
 * that records each event it gets on its standard input. A rollback is told once as
 * `rolled-back` (not `started`) and `pinned`; `unpin` once as `unpinned`.
 *
 * Covers: lib/operator/serve/notify.ts, lib/operator/serve/rollout_events.ts,
 *   lib/operator/serve/mod.ts, lib/cluster/reserved.ts.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { runEntrypoint } from "../../support/harness/cli.ts";
import { ServeProcess, startServeCluster, tree } from "../../support/harness/serve_cluster.ts";
import { waitFor } from "../../support/harness/wait.ts";

/** Records stdin as DIR/<kind>-<pid>.json; fails while DIR/fail-<kind> holds a count > 0. */
const RECORDER = `#!/bin/sh
set -eu
dir="$1"
input="$(cat)"
kind="$(printf '%s' "$input" | sed -n 's/.*"kind":"\\([a-z-]*\\)".*/\\1/p')"
if [ -s "$dir/fail-$kind" ]; then
  n="$(cat "$dir/fail-$kind")"
  if [ "$n" -gt 0 ]; then echo $((n - 1)) >"$dir/fail-$kind"; echo "webhook down" >&2; exit 1; fi
fi
printf '%s' "$input" >"$dir/$kind-$$.json"
`;

interface Told {
  kind: string;
  key: string;
  version: unknown;
  rolloutVersion: unknown;
  failedHosts?: { id: string; error: string }[];
  rollbackFrom?: unknown;
  pin?: { version: string; by: string; from: unknown };
}

async function told(dir: string, kind: string): Promise<Told[]> {
  const out: Told[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.name.startsWith(`${kind}-`) && e.name.endsWith(".json")) {
      out.push(JSON.parse(await Deno.readTextFile(`${dir}/${e.name}`)));
    }
  }
  return out;
}

/** Waits until both serve processes logged their decision about `kind`'s event. */
async function bothDecided(serves: ServeProcess[], kind: string) {
  await waitFor(
    `both serve processes to decide about ${kind}`,
    () =>
      serves.every((s) =>
        s.process.lines.some((l) =>
          new RegExp(`notify \\S+-${kind}: ${kind} (claimed by another|sent|NOT sent)`).test(l)
        )
      ),
    20_000,
  );
}

Deno.test({
  name: "serve --notify: two serve processes, each event told once; a failing CMD is retried",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const names = ["host-a", "host-b"];
    const cluster = await startServeCluster(names, "disk full on /var", "serve-notify-");
    const out = `${cluster.dir}/told`;
    await Deno.mkdir(out);
    await Deno.writeTextFile(`${cluster.dir}/recorder.sh`, RECORDER);
    const argv = JSON.stringify(["/bin/sh", `${cluster.dir}/recorder.sh`, out]);
    const args = ["--notify", argv, "--notify-backoff", "0.2"];
    const serves = [
      await ServeProcess.start(cluster.zk.connect, args),
      await ServeProcess.start(cluster.zk.connect, args),
    ];
    const logs = () => serves.map((s) => s.process.lines.join("\n")).join("\n---\n");
    try {
      // Nothing told about what was there before serve started (the converged first commit).
      const v2 = await cluster.sync(tree("2.0", names, "host-b"));
      await bothDecided(serves, "all-stop");
      const stops = await told(out, "all-stop");
      equal(stops.length, 1, logs());
      equal(stops[0].rolloutVersion, v2);
      equal(stops[0].version, null);
      deepEqual(stops[0].failedHosts?.map((h) => h.id), [cluster.hosts[1].id]);
      ok(stops[0].failedHosts![0].error.includes("Command failed"), stops[0].failedHosts![0].error);
      await bothDecided(serves, "started");
      equal((await told(out, "started")).length, 1, logs());
      equal((await told(out, "converged")).length, 0, logs());

      // Fixed; resumed: CMD fails twice, then the event is sent, once.
      await Deno.writeTextFile(`${out}/fail-resumed`, "2\n");
      await Deno.writeTextFile(`${cluster.hosts[1].root}/fixed`, "");
      const resumed = await runEntrypoint("main.ts", ["resume", v2, "--store", cluster.zk.connect]);
      equal(resumed.code, 0, resumed.stderr);
      await bothDecided(serves, "resumed");
      await bothDecided(serves, "converged");
      const back = await told(out, "resumed");
      equal(back.length, 1, logs());
      equal(back[0].version, v2);
      equal((await Deno.readTextFile(`${out}/fail-resumed`)).trim(), "0");
      const sender = serves.find((s) => s.process.lines.some((l) => /resumed sent/.test(l)))!;
      const lines = sender.process.lines.filter((l) => /-resumed: /.test(l));
      ok(lines.some((l) => /attempt 1 failed: .*webhook down; retrying in 0.2 s/.test(l)), logs());
      ok(lines.some((l) => /attempt 2 failed/.test(l)), logs());
      ok(lines.some((l) => /resumed sent \(attempt 3\)/.test(l)), logs());
      equal((await told(out, "converged")).length, 1, logs());

      // The claims are in the reserved node, with their outcome.
      const claims = (await cluster.store.get("/notifications"))!.children;
      equal(claims.length, 4, claims.join(" "));
      const claim = claims.find((c) => c.endsWith("-resumed"))!;
      const data = JSON.parse((await cluster.store.get(`/notifications/${claim}`))!.data);
      equal(data.state, "sent");
      equal(data.attempts, 3);

      // A rollback (to the first commit): rolled-back (not started) and pinned, once each;
      // unpin: unpinned, once.
      const rolled = await runEntrypoint("main.ts", [
        "rollback",
        cluster.repo.path,
        "--tree-dir",
        `${cluster.dir}/rollback-trees`,
        "--store",
        cluster.zk.connect,
      ]);
      equal(rolled.code, 0, rolled.stderr);
      await bothDecided(serves, "rolled-back");
      await bothDecided(serves, "pinned");
      const rb = await told(out, "rolled-back");
      equal(rb.length, 1, logs());
      equal(rb[0].rollbackFrom, v2);
      ok(typeof rb[0].version === "string" && rb[0].version !== v2, String(rb[0].version));
      const pins = await told(out, "pinned");
      equal(pins.length, 1, logs());
      equal(pins[0].pin?.version, rb[0].version);
      equal(pins[0].pin?.from, v2);
      equal((await told(out, "started")).length, 1, "a rollback is not told as started");
      const unpin = await runEntrypoint("main.ts", ["unpin", "--store", cluster.zk.connect]);
      equal(unpin.code, 0, unpin.stderr);
      await bothDecided(serves, "unpinned");
      const unpinned = await told(out, "unpinned");
      equal(unpinned.length, 1, logs());
      equal(unpinned[0].pin?.version, rb[0].version);
      const kinds = (await cluster.store.get("/notifications"))!.children.map((c) =>
        c.replace(/^(\d{10}|pin-\d+)-/, "")
      );
      for (const kind of ["rolled-back", "pinned", "unpinned"]) {
        equal(kinds.filter((k) => k === kind).length, 1, kinds.join(" "));
      }
    } finally {
      for (const s of serves) await s.stop();
      await cluster.close();
    }
  },
});
