/**
 * Sync and `tree validate` refuse, at parse time and with file:line:col, every tree the store
 * would refuse or change and every value that would reach outside its place on a host; nothing
 * is written. And an unchanged tree costs zero writes.
 *
 * Covers: lib/cluster/mod.ts, lib/store/tree_io.ts, lib/store/types.ts, main.ts.
 */
import { deepEqual, equal, match } from "node:assert/strict";
import { setProperties } from "../../lib/store/tree_io.ts";
import type { Store } from "../../lib/store/types.ts";
import { runEntrypoint } from "../support/harness/cli.ts";
import { makeRepo, type TestRepo } from "../support/harness/git_repo.ts";
import { localFixture } from "../support/harness/stores.ts";
import { runSync, snapshot, withSyncWork } from "../support/harness/sync_run.ts";
import { RESERVED_TOP_LEVEL } from "../../lib/cluster/mod.ts";

/** A synced cluster (one good tree), then `test` with its store, repository and work dir. */
async function withSynced(test: (store: Store, repo: TestRepo, work: string) => Promise<void>) {
  await withSyncWork(localFixture, async (fixture, work) => {
    const store = await fixture.open();
    const repo = await makeRepo(work);
    await repo.write("good.zk", "/good : z4m\n  version = '1.0'\n  /deploy\n    /h1\n");
    await repo.commit("good");
    equal((await runSync(store, repo.path, work)).result.status, "synced");
    await test(store, repo, work);
  });
}

const app = (type: string, version: string, target = "h1") =>
  `/cust\n  /app : ${type}\n    version = ${version}\n    /deploy\n      /${target}\n`;

/** Hostile or unstorable trees: file text, and where and what the error must say. */
const HOSTILE: { name: string; text: string; error: RegExp }[] = [
  { name: "traversal in a package name", text: app("../../victim", "'1'"), error: /^2:3: package/ },
  {
    name: "an option-like package name",
    text: app("--installroot=/x", "'1'"),
    error: /^2:3: package name '--installroot=\/x' starts with '-'/,
  },
  { name: "an option-like subtype", text: app("z4m -rf", "'1'"), error: /^2:3: subtype/ },
  { name: "an option-like version", text: app("z4m", "'-1'"), error: /^3:5: version '-1'/ },
  { name: "a metacharacter in a version", text: app("z4m", "'1;x'"), error: /^3:5: version/ },
  { name: "a newline in a version", text: app("z4m", "'1\\n2'"), error: /^3:5: version/ },
  {
    name: "an ext:: remote",
    text: app("pkg", "'git+ext::sh -c x'"),
    error: /^3:5: VCS URL .*after 'git\+' only/,
  },
  { name: "an fd:: remote", text: app("pkg", "'git+fd::0'"), error: /^3:5: VCS URL/ },
  {
    name: "an option-like deploy target",
    text: app("z4m", "'1'", "-x"),
    error: /^5:7: deploy target '-x' starts with '-'/,
  },
  {
    name: "',' in a deployed node name",
    text: "/a,b\n  /app : z4m\n    version = '1'\n    /deploy\n      /h1\n",
    error: /^2:3: node name 'a,b' on deployed path \/a,b\/app contains ','/,
  },
  {
    name: "an emoji node name",
    text: "/ok\n  /bad😀\n",
    error: /^2:4: node name 'bad😀' holds U\+1F600, which ZooKeeper does not accept/,
  },
  { name: "a control character in a node name", text: "/a\x01b\n", error: /^1:2: node name/ },
  {
    name: "a tree deeper than the depth limit",
    text: Array.from({ length: 1_000 }, (_, i) => `${" ".repeat(i)}/n\n`).join(""),
    error: /^201:201: nodes nested deeper than 200 levels/,
  },
  {
    name: "a value nested deeper than the depth limit",
    text: `/a\n  x = ${"[".repeat(10_000)}${"]".repeat(10_000)}\n`,
    error: /^2:207: bad value for 'x': values nested deeper than 200 levels/,
  },
  {
    name: "a node over the data size limit",
    text: `/a\n  /big\n    x = '${"y".repeat(2000)}'\n`,
    error: /^2:3: node \/a\/big holds 2008 bytes of data, over the store's limit of 1000 bytes/,
  },
  {
    name: "a line longer than any storable node needs (refused when the reader reaches the limit)",
    text: `/a\n  x = '${"y".repeat(100_000)}'\n`,
    error: /^2:75537: line longer than 75536 bytes, more than any node under --max-node-bytes/,
  },
  // Every reserved top-level node (lib/cluster/reserved.ts): sync would write or delete what
  // sync and the agents keep there (the agents' app locks at /agent-locks included).
  ...[...RESERVED_TOP_LEVEL].filter((name) => name !== "zookeeper").map((name) => ({
    name: `a tree naming the reserved /${name}`,
    text: `/ok\n/${name}\n  /x\n`,
    error: new RegExp(`^2:1: /${name} is managed by clusterdeploy itself`),
  })),
  {
    name: "a tree naming serve's notification claims (/notifications)",
    text: "/ok\n/notifications\n  /0000000001-started\n",
    error: /^2:1: \/notifications is managed by clusterdeploy itself/,
  },
  {
    name: "a tree naming ZooKeeper's own /zookeeper",
    text: "/zookeeper\n",
    error: /^1:2: '\/zookeeper' is reserved by ZooKeeper/,
  },
];

for (const c of HOSTILE) {
  Deno.test(`hostile or unstorable tree, sync: ${c.name} → file:line:col, nothing written`, async () => {
    await withSynced(async (store, repo, work) => {
      const before = await snapshot(store);
      await repo.write("bad.zk", c.text);
      await repo.commit("bad");
      const { result, lines } = await runSync(store, repo.path, work, { maxNodeBytes: 1000 });
      equal(result.status, "failed");
      equal(result.exitCode, 1);
      const error = lines.find((l) => l.startsWith("ERROR "))!;
      const prefix = "ERROR Refused to update zookeeper tree, bad tree file: bad.zk:";
      equal(error.startsWith(prefix), true, error);
      match(error.slice(prefix.length), c.error);
      equal(await snapshot(store), before);
    });
  });
}

Deno.test("tree validate: the same rules, file:line:col, exit 1; --max-node-bytes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "clusterdeploy-validate-" });
  try {
    await Deno.writeTextFile(`${dir}/bad.zk`, app("../../victim", "'1'"));
    await Deno.writeTextFile(`${dir}/big.zk`, `/a\n  x = '${"y".repeat(50)}'\n`);
    await Deno.writeFile(
      `${dir}/latin1.zk`,
      new Uint8Array([...new TextEncoder().encode("/a\n  x = 'caf"), 0xe9, 0x27, 0x0a]),
    );
    const run = await runEntrypoint("main.ts", [
      "tree",
      "validate",
      "--max-node-bytes",
      "40",
      `${dir}/bad.zk`,
      `${dir}/big.zk`,
      `${dir}/latin1.zk`,
    ]);
    equal(run.code, 1, run.stderr);
    deepEqual(run.stderr.trim().split("\n"), [
      `${dir}/bad.zk:2:3: package name '../../victim' contains '..' (in the type of /cust/app)`,
      `${dir}/big.zk:1:1: node /a holds 58 bytes of data, over the store's limit of 40 bytes ` +
      "(--max-node-bytes)",
      `${dir}/latin1.zk:2:1: invalid UTF-8`,
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an unchanged tree costs zero writes, even with values the codec once changed", async () => {
  await withSynced(async (store, repo, work) => {
    await repo.write(
      "values.zk",
      "/values\n  empty = ''\n  string_value = ''\n  /json\n    string_value = '{}'\n" +
        "  /big\n    n = 9007199254740992\n    f = 1e300\n  /raw\n    string_value = 'a b'\n",
    );
    await repo.commit("values");
    const first = await runSync(store, repo.path, work);
    equal(first.result.status, "synced");
    await repo.write("README", "no tree change\n");
    await repo.commit("readme");
    const second = await runSync(store, repo.path, work);
    equal(second.result.status, "synced");
    equal(second.result.changes, 0, second.lines.join("\n"));
  });
});

Deno.test("sync --force under ALL STOP refuses and says how to get out", async () => {
  await withSynced(async (store, repo, work) => {
    await setProperties(store, "/hosts", { version: null });
    await repo.write("more.zk", "/more\n");
    await repo.commit("more");
    const { result, lines } = await runSync(store, repo.path, work, { force: true });
    equal(result.status, "all-stop");
    equal(
      lines.at(-1),
      "CRITICAL ALL STOP, cluster version is None; --force does not override it: set the " +
        "version with `clusterdeploy resume VERSION` (or `clusterdeploy resume False`), then " +
        "sync again",
    );
  });
});

Deno.test("a version holding a newline never splits a log line", async () => {
  const { showVersion } = await import("../../lib/cluster/mod.ts");
  equal(showVersion("abc123"), "abc123");
  equal(showVersion("1.0\nINFO Done deploying"), "'1.0\\nINFO Done deploying'");
  equal(showVersion("tab\there"), "'tab\\there'");
});
