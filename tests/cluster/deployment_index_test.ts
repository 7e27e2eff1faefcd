/**
 * The deployment index on both stores, end to end: sync writes it in the import transactions,
 * the agent reads the head and one batch of its keys (however big the tree), and falls back to
 * the walk whenever the index is absent or not provably current — never deploying from a stale
 * one: after `tree import`, after `resume`, after another tool's bump, when the generation it
 * points at is gone, for an index written by an older sync.
 *
 * Covers: lib/agent/agent.ts, lib/agent/desired.ts, lib/agent/packages/yum.ts, lib/cluster/mod.ts,
 *   lib/log.ts, lib/operator/resume.ts, lib/store/recipe/keyed_index.ts, lib/store/tree_io.ts,
 *   lib/store/types.ts, agent.ts, main.ts.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { Agent } from "../../lib/agent/agent.ts";
import { readDeploymentIndex } from "../../lib/cluster/mod.ts";
import { IndexedSource, TreeWalkSource } from "../../lib/agent/desired.ts";
import { YumPackageManager } from "../../lib/agent/packages/yum.ts";
import { resumeCluster } from "../../lib/operator/resume.ts";
import { memoryLogger } from "../../lib/log.ts";
import { parseHead, planIndexWrite, readIndexKeys } from "../../lib/store/recipe/keyed_index.ts";
import {
  applyStoreOps,
  deleteRecursive,
  getProperties,
  setProperties,
} from "../../lib/store/tree_io.ts";
import type { Store } from "../../lib/store/types.ts";
import { generateTrees } from "../../bench/tree_gen.ts";
import { fakeHostRunner, HOST_NAME, makeSeedRoot } from "../support/harness/agent_fake_host.ts";
import { runEntrypoint } from "../support/harness/cli.ts";
import { CountingStore } from "../support/harness/counting_store.ts";
import { makeRepo, type TestRepo } from "../support/harness/git_repo.ts";
import { STORE_KINDS } from "../support/harness/stores.ts";
import { syncCommit } from "../support/harness/sync_run.ts";
import { type HostIdentity } from "../../lib/cluster/mod.ts";
import { DEPLOYMENT_INDEX } from "../../lib/cluster/mod.ts";

const MINE = `/mine
  /web : z4m cms
    version = '1.0.0'
    /deploy
      /frontend
        n = 2
      /host0
  /monitor : z4mmonitor
    version = 'svn+ssh://svn.example/repos/monitor/trunk'
    /deploy
      /host42
      /424242424242
`;

const HOSTS: HostIdentity[] = [
  { id: "host0", name: "host42", role: null },
  { id: "host77", name: "web77", role: "frontend" },
  { id: "host0", name: "web0", role: "frontend" }, // a role host named by id: an error
  { id: "424242424242", name: "host42", role: null }, // id and name on one app: an error
  { id: "host5", name: "host5", role: null },
  { id: "stranger", name: "nobody", role: null },
];

async function outcome(read: () => Promise<unknown>): Promise<unknown> {
  try {
    return { found: await read() };
  } catch (error) {
    return { error: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

/** What the index gives each host (and what it read), or why it was not used. */
async function viaIndex(store: CountingStore) {
  const hosts = (await store.get("/hosts"))!;
  const seen = { version: JSON.parse(hosts.data).version, stat: hosts.version };
  const results = [];
  for (const host of HOSTS) {
    store.reset();
    const got = await outcome(async () => {
      const read = await readDeploymentIndex(store, host, seen);
      return read.source === "index" ? read.deployments() : `walk: ${read.reason}`;
    });
    results.push({ got, reads: store.reads.map((r) => r.length) });
  }
  return results;
}

async function viaWalk(store: Store) {
  const walk = new TreeWalkSource(store);
  const results = [];
  for (const host of HOSTS) results.push(await outcome(() => walk.read(host)));
  return results;
}

/** Asserts the index is used for every host, with two reads, and gives what the walk gives. */
async function assertIndexUsed(store: CountingStore) {
  const index = await viaIndex(store);
  deepEqual(index.map((r) => r.got), await viaWalk(store));
  for (const { reads } of index) {
    equal(reads.length, 2, "one read of the head, one batch of keys");
    ok(reads[1] <= 4, "at most three keys and the generation");
  }
  return index;
}

async function writeCustomers(repo: TestRepo, customers: number, revision = 0) {
  const shape = { customers, apps: 4, hosts: 3 };
  for (const [name, text] of generateTrees(shape, revision, { deployable: true, pool: 9 })) {
    await repo.write(name, text);
  }
}

/** The reason the source logged for walking, or "index". */
async function sourceUsed(store: Store, host: HostIdentity): Promise<string> {
  const logger = memoryLogger({ debug: true });
  await new IndexedSource(store, logger).read(host).catch(() => {});
  const line = logger.lines.find((l) => l.startsWith("DEBUG Deployments from"))!;
  return line.includes("deployment index") ? "index" : line.replace(/^.*tree: /, "");
}

for (const kind of STORE_KINDS) {
  Deno.test({
    name: `deployment index on ${kind.name}: written by sync, read by agents, never stale`,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async (t) => {
      const fixture = await kind.make();
      const work = await Deno.makeTempDir({ prefix: "clusterdeploy-index-" });
      try {
        const store = new CountingStore(await fixture.open());
        const repo = await makeRepo(work);
        await repo.write("mine.zk", MINE);
        await writeCustomers(repo, 3);
        let commit = await syncCommit(store, repo, work, "c1");

        let small: { got: unknown; reads: number[] }[] = [];
        await t.step("sync writes it; each host reads the head and one batch", async () => {
          const head = parseHead(await store.get(DEPLOYMENT_INDEX));
          ok(typeof head !== "string" && head.valid);
          deepEqual(head.tag, { version: commit, hosts: 0 });
          small = await assertIndexUsed(store);
          const errors = small.filter((r) => "error" in (r.got as object)).length;
          equal(errors, 2, "the role host named by id and the id-and-name host fail");
        });

        await t.step("what a host reads does not grow with the tree", async () => {
          await writeCustomers(repo, 40);
          commit = await syncCommit(store, repo, work, "c2: 40 customers");
          const big = await assertIndexUsed(store);
          deepEqual(big.map((r) => r.reads), small.map((r) => r.reads));
        });

        await t.step(
          "the agent deploys from the index, reading nothing else of the tree",
          async () => {
            const root = await makeSeedRoot();
            try {
              store.reset();
              const logger = memoryLogger({ debug: true });
              const agent = await Agent.start({
                store,
                runner: fakeHostRunner(root, () => {}),
                logger,
                root,
                hostName: HOST_NAME,
                packages: new YumPackageManager(),
              });
              ok(!await agent.runOnce(), "424242424242 is named by id and name: it fails");
              await agent.close();
              const tree = store.paths.filter((p) => !/^\/(hosts|agent-locks)(\/|$)/.test(p));
              ok(tree.length <= 5, `the agent read ${tree.length} tree paths: ${tree.join(" ")}`);
              ok(
                logger.lines.some((l) => l.startsWith("DEBUG Deployments from the deployment")),
                logger.lines.join("\n"),
              );
              ok(logger.lines.some((l) => l.includes("Conflicting deployments for /mine/monitor")));
            } finally {
              await Deno.remove(root, { recursive: true });
            }
            // The agent's failure stopped the cluster; start again from a synced version.
            await setProperties(store, "/hosts", { version: commit });
          },
        );

        await t.step(
          "an unchanged sync retags the head; a change makes a new generation",
          async () => {
            const before = parseHead(await store.get(DEPLOYMENT_INDEX)) as { generation: string };
            commit = await syncCommit(store, repo, work, "c3: nothing changed");
            const same = parseHead(await store.get(DEPLOYMENT_INDEX)) as { generation: string };
            equal(same.generation, before.generation);
            // /hosts was set by hand above, so this sync's tag is for the new data version.
            await assertIndexUsed(store);
            await writeCustomers(repo, 40, 1);
            commit = await syncCommit(store, repo, work, "c4: new versions");
            const next = parseHead(await store.get(DEPLOYMENT_INDEX)) as { generation: string };
            ok(next.generation !== same.generation);
            deepEqual(
              (await store.get(DEPLOYMENT_INDEX))!.children.sort(),
              [same.generation, next.generation].sort(),
              "the generation before stays for readers still on it; older ones go",
            );
            await assertIndexUsed(store);
          },
        );

        const host: HostIdentity = { id: "host0", name: "host42", role: null };
        await t.step("tree import invalidates it: agents walk and see the change", async () => {
          const run = await runEntrypoint(
            "main.ts",
            ["tree", "import", "-", "/", "--store", fixture.connect],
            { stdin: MINE.replace("version = '1.0.0'", "version = '9.9.9'") },
          );
          equal(run.code, 0, run.stderr);
          ok(/^applied 1 changes/m.test(run.stderr), run.stderr);
          equal(await sourceUsed(store, host), "the index was invalidated (tree import - at /)");
          const walked = await new IndexedSource(store, memoryLogger()).read(host);
          ok(walked.some((d) => d.path === "/mine/web" && d.version === "9.9.9"));
          await repo.write("mine.zk", MINE.replace("'1.0.0'", "'2.0.0'"));
          commit = await syncCommit(store, repo, work, "c5");
          equal(await sourceUsed(store, host), "index");
        });

        await t.step("after ALL STOP and resume to the same version, agents walk", async () => {
          await setProperties(store, "/hosts", { version: null });
          await resumeCluster(store, commit);
          ok((await sourceUsed(store, host)).startsWith("/hosts was written since the index"));
        });

        await t.step("another tool's bump: the index is for another version", async () => {
          await setProperties(store, "/hosts", { version: "other-tool" });
          equal(
            await sourceUsed(store, host),
            `the index is for version ${commit}, the cluster is at other-tool`,
          );
        });

        await t.step("a generation deleted under a reader: it walks", async () => {
          await repo.write("mine.zk", MINE);
          commit = await syncCommit(store, repo, work, "c6");
          const head = parseHead(await store.get(DEPLOYMENT_INDEX));
          ok(typeof head !== "string");
          await deleteRecursive(store, `${DEPLOYMENT_INDEX}/${head.generation}`);
          equal(await sourceUsed(store, host), `index generation ${head.generation} is gone`);
          ok((await getProperties(store, "/hosts"))?.version === commit);
        });

        await t.step("a damaged entry: it walks", async () => {
          await repo.write("mine.zk", MINE.replace("'1.0.0'", "'3.0.0'"));
          commit = await syncCommit(store, repo, work, "c7");
          const head = parseHead(await store.get(DEPLOYMENT_INDEX));
          ok(typeof head !== "string");
          const entry = `${DEPLOYMENT_INDEX}/${head.generation}/host42`;
          ok(await store.get(entry) !== null);
          for (
            const row of [
              [0, "/../etc", "z4m", null, "1", "1", 1],
              [0, "/mine/web", "z4m; rm", null, "1", "1", 1],
              [0, "/mine/web", "z4m", null, "1", "1", -1],
              [0, "/mine/web"],
            ]
          ) {
            await store.set(entry, `1\n${JSON.stringify([row])}`);
            ok((await sourceUsed(store, host)).startsWith("the index is damaged"), String(row));
          }
        });

        await t.step("long texts are split in chunks and read back whole", async () => {
          const texts = new Map([["a", "x".repeat(100) + "é😀".repeat(40)], ["b", "short"]]);
          const ops = await planIndexWrite(store, "/chunked", texts, { for: "test" }, 16);
          await applyStoreOps(store, ops);
          const head = parseHead(await store.get("/chunked"));
          ok(typeof head !== "string");
          const read = await readIndexKeys(store, "/chunked", head, ["a", "b", "c", "a/1", ".."]);
          deepEqual(
            read,
            new Map<string, string | null>([
              ["a", texts.get("a")!],
              ["b", "short"],
              ["c", null],
              ["a/1", null], // a name that is not one path segment reads nothing
              ["..", null],
            ]),
          );
          ok((await store.get("/chunked/1/a/5")) !== null, "the text was split");
        });
      } finally {
        await fixture.close();
        await Deno.remove(work, { recursive: true });
      }
    },
  });
}

Deno.test({
  name: "agent --dry-run --debug says where the deployments were read from",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const fixture = await STORE_KINDS.find((k) => k.name === "local")!.make();
    const work = await Deno.makeTempDir({ prefix: "clusterdeploy-index-cli-" });
    try {
      const root = `${work}/host`;
      await Deno.mkdir(`${root}/etc/zmh`, { recursive: true });
      await Deno.writeTextFile(`${root}/etc/zmh/pxemac`, "host0\n");
      const agent = () =>
        runEntrypoint("agent.ts", [
          "--dry-run",
          "--debug",
          "--store",
          fixture.connect,
          "--root",
          root,
          "--host-name",
          "web0",
        ]);
      const before = await agent();
      equal(before.code, 0, before.stderr);
      ok(before.stderr.includes("DEBUG Deployments from a walk of the tree: no /hosts node"));
      const repo = await makeRepo(work);
      await repo.write("mine.zk", MINE);
      const store = new CountingStore(await fixture.open());
      await syncCommit(store, repo, work, "c1");
      await store.close();
      const after = await agent();
      equal(after.code, 0, after.stderr);
      ok(after.stderr.includes("DEBUG Deployments from the deployment index"), after.stderr);
      ok(after.stdout.includes("/mine/web"), after.stdout);
    } finally {
      await fixture.close();
      await Deno.remove(work, { recursive: true });
    }
  },
});
