/**
 * The rollout history (issue 19): three syncs on a real ZooKeeper with agent processes, the
 * second failing on one host — `history --json` has three records in order with their states,
 * authors, subjects and changed paths, the failing host's error as its host node has it, and the
 * `resume` with who ran it. On both stores: `--keep-history 3` after five syncs leaves three; a
 * rollback to a commit gone from the repository is an error that changes nothing; a damaged or
 * foreign record is reported by `history` and stops neither sync nor the pin check.
 *
 * Covers: lib/operator/history.ts, lib/operator/history_read.ts, lib/operator/resume.ts,
 *   lib/operator/rollback.ts, lib/sync/rollout_bump.ts, lib/agent/rollout_outcome.ts,
 *   lib/cluster/rollout_record.ts.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { getProperties } from "../../lib/store/tree_io.ts";
import { connectZooKeeper } from "../../lib/store/zookeeper/mod.ts";
import { type AgentProcess, deployScript, RealHost } from "../support/harness/agent_real_host.ts";
import { runEntrypoint } from "../support/harness/cli.ts";
import { makeRepo } from "../support/harness/git_repo.ts";
import { runSync, snapshot, withSyncWork } from "../support/harness/sync_run.ts";
import { STORE_KINDS, type StoreFixture } from "../support/harness/stores.ts";
import { waitFor } from "../support/harness/wait.ts";
import { startZooKeeper } from "../support/servers/zookeeper.ts";

const options = { sanitizeOps: false, sanitizeResources: false };

function tree(web: string, db: string): string {
  const app = (name: string, version: string, host: string) =>
    `  /${name} : ${name}\n    version = '${version}'\n    /deploy\n      /${host}\n`;
  return `/app\n${app("web", web, "host-a")}${app("db", db, "host-b")}`;
}

const failing = `#!/bin/sh
echo "db 2.0 cannot start" >&2
exit 1
`;

interface RecordJson {
  id: string;
  version: string;
  state: string;
  subject: string;
  author: string;
  paths: string[];
  changes: number;
  by: string;
  events: { what: string; by: string; to: unknown }[];
  outcomes: { host: string; result: string; error?: string; allStop?: boolean }[];
}

Deno.test(
  "history: three syncs, the second failing on one host, with a resume in between",
  options,
  async () => {
    const server = await startZooKeeper();
    const dir = await Deno.makeTempDir({ prefix: "history-" });
    const store = await connectZooKeeper(server.connect);
    const agents: AgentProcess[] = [];
    const cli = (user: string, ...args: string[]) =>
      runEntrypoint("main.ts", [...args, "--store", server.connect], { env: { USER: user } });
    try {
      const web = (v: string) => deployScript("web", v);
      const db = (v: string) => deployScript("db", v);
      const hosts = [
        await RealHost.make(dir, "00000000000a", "host-a", {
          web: { "1.0": web("1.0"), "2.0": web("2.0"), "3.0": web("3.0") },
        }),
        await RealHost.make(dir, "00000000000b", "host-b", {
          db: { "1.0": db("1.0"), "2.0": failing, "3.0": db("3.0") },
        }),
      ];
      const at = (v: string) => async () =>
        (await Promise.all(hosts.map((h) => getProperties(store, `/hosts/${h.id}`))))
          .every((p) => p?.version === v);
      const repo = await makeRepo(dir);
      await repo.write("app.zk", tree("1.0", "1.0"));
      const a = await repo.commit("first release");
      equal((await runSync(store, repo.path, dir, { by: "carol@ci" })).result.status, "synced");
      for (const host of hosts) agents.push(host.spawnAgent(["--store", server.connect]));
      await waitFor("hosts at A", at(a), 30_000);

      await repo.write("app.zk", tree("1.0", "2.0"));
      const b = await repo.commit("db 2.0");
      equal((await runSync(store, repo.path, dir, { by: "carol@ci" })).result.status, "synced");
      await waitFor(
        "ALL STOP",
        async () => (await getProperties(store, "/hosts"))?.version === null,
      );
      await waitFor(
        "host-b's error",
        async () => typeof (await getProperties(store, "/hosts/00000000000b"))?.error === "string",
      );
      const hostError = (await getProperties(store, "/hosts/00000000000b"))!.error;
      const resume = await cli("bob", "resume", "False");
      equal(resume.code, 0, resume.stderr);

      await repo.write("app.zk", tree("3.0", "3.0"));
      const c = await repo.commit("web and db 3.0");
      equal((await runSync(store, repo.path, dir, { by: "carol@ci" })).result.status, "synced");
      await waitFor("hosts at C", at(c), 30_000);
      await waitFor("two outcomes of C", async () => {
        const records = JSON.parse((await cli("x", "history", "--json")).stdout).records;
        return records[0].outcomes.length === 2;
      });

      const run = await cli("x", "history", "--json");
      equal(run.code, 0, run.stderr);
      const records: RecordJson[] = JSON.parse(run.stdout).records;
      deepEqual(records.map((r) => r.version), [c, b, a]);
      deepEqual(records.map((r) => r.state), ["converged", "stopped", "converged"]);
      deepEqual(records.map((r) => r.subject), ["web and db 3.0", "db 2.0", "first release"]);
      for (const r of records) {
        equal(r.author, "test <test@example.invalid>");
        equal(r.by, "carol@ci");
      }
      ok(records[0].id > records[1].id && records[1].id > records[2].id);
      deepEqual(records[0].paths.toSorted(), ["/app/db", "/app/web"]);
      deepEqual(records[1].paths, ["/app/db"]);
      ok(records[2].paths.includes("/app/web") && records[2].changes >= 3);
      const failed = records[1].outcomes.find((o) => o.host === "00000000000b")!;
      deepEqual([failed.result, failed.error, failed.allStop], ["failed", hostError, true]);
      equal(records[1].events.length, 1);
      equal(records[1].events[0].what, "resume");
      equal(records[1].events[0].to, false);
      ok(records[1].events[0].by.startsWith("bob@"), records[1].events[0].by);
      deepEqual(records[0].outcomes.map((o) => o.result), ["done", "done"]);

      const text = await cli("x", "history");
      equal(text.code, 0, text.stderr);
      ok(text.stdout.split("\n")[1].includes("stopped  db 2.0"), text.stdout);
    } finally {
      for (const agent of agents) await agent.stop();
      await store.close();
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

/** `--keep-history 3` after five syncs leaves three records. */
async function retention(fixture: StoreFixture, work: string) {
  {
    const store = await fixture.open();
    const repo = await makeRepo(work);
    const commits: string[] = [];
    for (let i = 1; i <= 5; i++) {
      await repo.write("app.zk", `/app\n  version = ${i}\n`);
      commits.push(await repo.commit(`release ${i}`));
      const run = await runSync(store, repo.path, work, { keepHistory: 3 });
      equal(run.result.status, "synced", run.lines.join("\n"));
    }
    const out = await runEntrypoint("main.ts", ["history", "--json", "--store", fixture.connect]);
    equal(out.code, 0, out.stderr);
    const records: RecordJson[] = JSON.parse(out.stdout).records;
    deepEqual(records.map((r) => r.version), commits.slice(2).reverse());
    equal(records[0].state, "converged"); // no hosts: every host (none) is at it
  }
}

/** A rollback to a commit gone from the repository: exit 1, nothing changed. */
async function goneCommit(fixture: StoreFixture, work: string) {
  {
    {
      const store = await fixture.open();
      const repo = await makeRepo(work);
      await repo.write("app.zk", "/app\n  version = 1\n");
      const a = await repo.commit("one");
      equal((await runSync(store, repo.path, work)).result.status, "synced");
      await repo.write("app.zk", "/app\n  version = 2\n");
      const b = await repo.commit("two");
      equal((await runSync(store, repo.path, work)).result.status, "synced");
      // History rewritten: B's parent A is gone with it (a fresh checkout cannot find it).
      const git = (...args: string[]) =>
        new Deno.Command("git", { args: ["-C", repo.path, ...args], stdout: "null" }).output();
      await git("checkout", "--quiet", "--orphan", "rewritten");
      await git("commit", "--quiet", "-m", "rewritten");
      await git("branch", "-D", "master");
      await git("branch", "-m", "master");
      await git("reflog", "expire", "--expire=now", "--all");
      await git("gc", "--quiet", "--prune=now");
      const before = await snapshot(store);
      const run = await runEntrypoint("main.ts", [
        "rollback",
        a.slice(0, 10),
        repo.path,
        "--tree-dir",
        `${work}/fresh`,
        "--store",
        fixture.connect,
      ]);
      equal(run.code, 1, run.stderr);
      ok(run.stderr.includes(`commit ${a} is not in the repository`), run.stderr);
      equal(await snapshot(store), before);
      equal((await getProperties(store, "/hosts"))?.version, b);
    }
  }
}

/** Damaged and foreign records are reported by history; sync goes on. */
async function damaged(fixture: StoreFixture, work: string) {
  {
    {
      const store = await fixture.open();
      const repo = await makeRepo(work);
      await repo.write("app.zk", "/app\n  version = 1\n");
      await repo.commit("one");
      equal((await runSync(store, repo.path, work)).result.status, "synced");
      const [first] = (await store.get("/rollouts"))!.children;
      await store.set(`/rollouts/${first}`, "{not json");
      await store.create(`/rollouts/${first}/00000000000z`, JSON.stringify({ format: "x" }));
      await store.create("/rollouts/junk", "");
      await store.set("/rollouts", "garbage pin");
      await repo.write("app.zk", "/app\n  version = 2\n");
      const two = await repo.commit("two");
      const run = await runSync(store, repo.path, work);
      equal(run.result.status, "synced", run.lines.join("\n"));
      ok(run.lines.some((l) => l.startsWith("WARNING Ignoring the data of /rollouts")));
      const out = await runEntrypoint("main.ts", ["history", "--store", fixture.connect]);
      equal(out.code, 0, out.stderr);
      ok(
        out.stdout.includes(`${first}  DAMAGED record /rollouts/${first}: not JSON`),
        out.stdout,
      );
      ok(out.stdout.includes("FOREIGN node /rollouts/junk"), out.stdout);
      ok(out.stdout.includes("DAMAGED /rollouts data (pin ignored): not JSON"), out.stdout);
      ok(out.stdout.includes(two.slice(0, 12)), out.stdout);
      const show = await runEntrypoint("main.ts", [
        "history",
        "show",
        first,
        "--store",
        fixture.connect,
      ]);
      ok(show.stdout.includes("DAMAGED"), show.stdout);
    }
  }
}

for (const kind of STORE_KINDS) {
  Deno.test(
    `history on ${kind.name}: --keep-history, a rollback target gone, damaged and foreign records`,
    async () => {
      await withSyncWork(kind.make, async (fixture, work) => {
        for (const [name, part] of Object.entries({ retention, goneCommit, damaged })) {
          await Deno.mkdir(`${work}/${name}`);
          await part(fixture, `${work}/${name}`);
        }
      });
    },
  );
}
