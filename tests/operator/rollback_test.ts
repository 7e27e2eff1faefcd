/**
 * Rollout history and rollback end to end (issue 19), on a real ZooKeeper with real git and agent
 * processes: a good commit A, a commit B whose deploy script fails on one host (ALL STOP); the
 * history shows both with the failing host's error; `rollback --dry-run` changes nothing; the
 * rollback out of ALL STOP takes the hosts that took B back to A's deployments while the others
 * run nothing; the cluster is pinned (plain sync and `sync --force` change nothing) until
 * `unpin`, after which sync applies HEAD.
 *
 * Covers: lib/operator/rollback.ts, lib/operator/pin.ts, lib/operator/history.ts,
 *   lib/operator/history_read.ts, lib/sync/rollout_bump.ts, lib/agent/rollout_outcome.ts,
 *   lib/cluster/rollout_record.ts.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { getProperties } from "../../lib/store/tree_io.ts";
import { connectZooKeeper } from "../../lib/store/zookeeper/mod.ts";
import { type AgentProcess, deployScript, RealHost } from "../support/harness/agent_real_host.ts";
import { runEntrypoint } from "../support/harness/cli.ts";
import { makeRepo } from "../support/harness/git_repo.ts";
import { runSync, snapshot } from "../support/harness/sync_run.ts";
import { waitFor } from "../support/harness/wait.ts";
import { startZooKeeper } from "../support/servers/zookeeper.ts";

const options = { sanitizeOps: false, sanitizeResources: false };

/** A deploy script that fails after a moment (so the other hosts get through first). */
function failingScript(): string {
  return `#!/bin/sh
sleep 3
echo "db 2.0 cannot start" >&2
exit 1
`;
}

/** The tree: app `web` on host a, app `db` on host b, app `api` on host c. */
function tree(web: string, db: string): string {
  const app = (name: string, version: string, host: string) =>
    `  /${name} : ${name}\n    version = '${version}'\n    /deploy\n      /${host}\n`;
  return `/app\n${app("web", web, "host-a")}${app("db", db, "host-b")}${
    app("api", "1.0", "host-c")
  }`;
}

Deno.test(
  "rollback: A good, B fails on one host → history, dry run, rollback out of ALL STOP, pinned, unpin",
  options,
  async () => {
    const server = await startZooKeeper();
    const dir = await Deno.makeTempDir({ prefix: "rollback-" });
    const store = await connectZooKeeper(server.connect);
    const agents: AgentProcess[] = [];
    const cli = (...args: string[]) =>
      runEntrypoint("main.ts", [...args, "--store", server.connect], {
        env: { USER: "alice" },
      });
    try {
      const web = (v: string) => deployScript("web", v);
      const db = (v: string) => deployScript("db", v);
      const hosts = [
        await RealHost.make(dir, "00000000000a", "host-a", {
          web: { "1.0": web("1.0"), "2.0": web("2.0"), "3.0": web("3.0") },
        }),
        await RealHost.make(dir, "00000000000b", "host-b", {
          db: { "1.0": db("1.0"), "2.0": failingScript(), "3.0": db("3.0") },
        }),
        await RealHost.make(dir, "00000000000c", "host-c", {
          api: { "1.0": deployScript("api", "1.0") },
        }),
      ];
      const repo = await makeRepo(dir);
      await repo.write("app.zk", tree("1.0", "1.0"));
      const a = await repo.commit("web 1.0");
      equal((await runSync(store, repo.path, dir)).result.status, "synced");
      for (const host of hosts) agents.push(host.spawnAgent(["--store", server.connect]));
      const atVersion = (v: string) => async () =>
        (await Promise.all(hosts.map((h) => getProperties(store, `/hosts/${h.id}`))))
          .every((p) => p?.version === v);
      await waitFor("hosts at A", atVersion(a), 30_000);

      await repo.write("app.zk", tree("2.0", "2.0"));
      const b = await repo.commit("web and db 2.0");
      equal((await runSync(store, repo.path, dir)).result.status, "synced");
      await waitFor(
        "ALL STOP",
        async () => (await getProperties(store, "/hosts"))?.version === null,
        30_000,
      );
      await waitFor(
        "host-b's error",
        async () => typeof (await getProperties(store, "/hosts/00000000000b"))?.error === "string",
        30_000,
      );
      const hostError = (await getProperties(store, "/hosts/00000000000b"))!.error;
      ok((await hosts[0].deploys()).at(-1)?.startsWith("deployed web 2.0"), "host-a took B");
      const bLog = await hosts[1].deploys();
      const installs = (i: number) =>
        agents[i].lines.filter((l) => l.startsWith("INFO yum -y install"));
      const cInstalls = installs(2);

      // history: B is stopped, with host-b's failure as its host node has it.
      const history = await cli("history", "--json");
      equal(history.code, 0, history.stderr);
      const records = JSON.parse(history.stdout).records;
      deepEqual(records.map((r: { version: string }) => r.version), [b, a]);
      deepEqual(records.map((r: { state: string }) => r.state), ["stopped", "converged"]);
      const failed = records[0].outcomes.find((o: { host: string }) => o.host === "00000000000b");
      equal(failed.result, "failed");
      equal(failed.error, hostError);
      equal(failed.allStop, true);
      equal(records[0].subject, "web and db 2.0");
      equal(records[0].author, "test <test@example.invalid>");
      deepEqual(records[0].paths.toSorted(), ["/app/db", "/app/web"]);
      const show = await cli("history", "show", b.slice(0, 8));
      equal(show.code, 0, show.stderr);
      ok(show.stdout.includes(`00000000000b (host-b):`), show.stdout);
      ok(show.stdout.includes("failed ALL STOP"), show.stdout);

      // dry run: the diff and the hosts' plans, nothing changed.
      const before = await snapshot(store);
      const dry = await cli("rollback", repo.path, "--tree-dir", `${dir}/trees`, "--dry-run");
      equal(dry.code, 0, dry.stderr);
      ok(dry.stdout.includes("~ /app/web"), dry.stdout);
      ok(dry.stdout.includes(`-> ${a}, then pinned`), dry.stdout);
      equal(await snapshot(store), before);

      // The rollback, out of ALL STOP: back to A.
      const back = await cli("rollback", repo.path, "--tree-dir", `${dir}/trees`);
      equal(back.code, 0, back.stderr);
      await waitFor("hosts back at A", atVersion(a), 30_000);
      // host-a took B: back to web 1.0 (installed again); host-b (failed B, still at A) runs
      // nothing; host-c (untouched by B) installs nothing (its deploy script runs again, as on
      // every bump).
      await waitFor(
        "host-a back at web 1.0",
        async () => (await hosts[0].deploys()).at(-1)?.startsWith("deployed web 1.0") === true,
        30_000,
      );
      equal(installs(0).at(-1), "INFO yum -y install web-1.0");
      deepEqual(await hosts[1].deploys(), bLog, "host-b ran nothing");
      deepEqual(installs(2), cInstalls, "host-c installed nothing");

      // Pinned: plain sync and sync --force change nothing.
      await repo.write("app.zk", tree("3.0", "3.0"));
      const c = await repo.commit("web 3.0, fixed");
      const pinned = await snapshot(store);
      for (const force of [false, true]) {
        const run = await runSync(store, repo.path, dir, { force });
        equal(run.result.status, "pinned");
        equal(run.result.exitCode, 0);
        ok(
          run.lines.some((l) =>
            l.startsWith(`WARNING Cluster pinned to ${a} by alice@`) &&
            l.endsWith(
              `(rollback from None): not syncing ${c}; run clusterdeploy unpin once the fix is in git`,
            )
          ),
          run.lines.join("\n"),
        );
        equal(await snapshot(store), pinned);
      }
      const after = JSON.parse((await cli("history", "--json")).stdout);
      deepEqual(after.pin.version, a);
      deepEqual(after.records.map((r: { state: string }) => r.state).slice(0, 2), [
        "converged",
        "rolled back",
      ]);
      equal(after.records[0].rollbackFrom, null);
      ok(
        after.records[1].events.some((e: { what: string; by: string }) =>
          e.what === "rollback" && e.by.startsWith("alice@")
        ),
      );
      const status = await cli("status");
      ok(status.stdout.includes(`PINNED to ${a}`), status.stdout);

      // unpin, then sync applies HEAD.
      const unpin = await cli("unpin");
      equal(unpin.code, 0, unpin.stderr);
      equal((await runSync(store, repo.path, dir)).result.status, "synced");
      await waitFor("hosts at C", atVersion(c), 30_000);
    } finally {
      for (const agent of agents) await agent.stop();
      await store.close();
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
