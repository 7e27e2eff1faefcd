/**
 * `clusterdeploy plan` as a black box on the embedded store with a real git repository: the
 * tree diff, each host's deployments and agent steps, role conflicts, and that nothing is ever
 * written to the store. The host planner is also checked in-process.
 *
 * Covers: lib/fs.ts, lib/operator/plan_hosts.ts, lib/tree/parse.ts, main.ts.
 */
import { exists } from "../../lib/fs.ts";
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { assumedInstalled, planHost } from "../../lib/operator/plan_hosts.ts";
import { parseTree } from "../../lib/tree/parse.ts";
import { runEntrypoint } from "../support/harness/cli.ts";
import { makeRepo } from "../support/harness/git_repo.ts";

const FIRST = `/cust : customer
  /cms : z4m cms
    version = '1.0'
    /deploy
      /host42
  /old : oldpkg
    version = '2.0'
    /deploy
      /host42
  /shop : shop
    version = '3.0'
    /deploy
      /web
`;

const SECOND = `/cust : customer
  /cms : z4m cms
    version = '1.1'
    /deploy
      /host42
        n = 2
  /new : newpkg
    version = 'git+https://git.example.com/new.git'
    /deploy
      /host42
  /shop : shop
    version = '3.0'
    /deploy
      /web
      /535353535353
`;

/** A synced store (first commit), host 424242424242 converged, and a second commit. */
async function fixture(dir: string) {
  const repo = await makeRepo(dir);
  await repo.write("cust.zk", FIRST);
  const first = await repo.commit("first");
  const store = `file:${dir}/store.json`;
  const sync = await runEntrypoint("main.ts", [
    "sync",
    repo.path,
    "--store",
    store,
    "--tree-dir",
    `${dir}/sync-tree`,
  ]);
  equal(sync.code, 0, sync.stderr);
  await Deno.writeTextFile(
    `${dir}/hosts.zk`,
    [
      "/hosts",
      `  version = '${first}'`,
      "  /424242424242",
      "    name = 'host42'",
      `    version = '${first}'`,
      "  /535353535353",
      "    name = 'host53'",
      "    role = 'web'",
      `    version = '${first}'`,
      "",
    ].join("\n"),
  );
  const hosts = await runEntrypoint("main.ts", [
    "tree",
    "import",
    `${dir}/hosts.zk`,
    "--store",
    store,
  ]);
  equal(hosts.code, 0, hosts.stderr);
  await repo.write("cust.zk", SECOND);
  const second = await repo.commit("second");
  return { repo, store, first, second };
}

/** Everything the store holds, and the file's bytes. */
async function snapshot(dir: string, store: string): Promise<[string, string]> {
  const exported = await runEntrypoint("main.ts", [
    "tree",
    "export",
    "--ephemeral",
    "--store",
    store,
  ]);
  equal(exported.code, 0, exported.stderr);
  return [exported.stdout, await Deno.readTextFile(`${dir}/store.json`)];
}

Deno.test("plan REPO_URL: tree diff and version bump, a host's new, changed and removed deployments; nothing written", async () => {
  const dir = await Deno.makeTempDir({ prefix: "clusterdeploy-plan-" });
  try {
    const { repo, store, first, second } = await fixture(dir);
    const before = await snapshot(dir, store);
    const run = await runEntrypoint("main.ts", [
      "plan",
      repo.path,
      "--store",
      store,
      "--tree-dir",
      `${dir}/plan-tree`,
      "--host",
      "424242424242",
    ]);
    equal(run.code, 0, run.stderr);
    deepEqual(run.stdout.trimEnd().split("\n"), [
      `Tree: ${repo.path} at ${second} (1 file), cluster version ${first}`,
      "~ /cust/cms version: '1.0' -> '1.1'",
      "~ /cust/cms/deploy/host42 +n = 2",
      "+ /cust/new",
      "+ /cust/new type = 'newpkg'",
      "+ /cust/new version = 'git+https://git.example.com/new.git'",
      "+ /cust/new/deploy",
      "+ /cust/new/deploy/host42",
      "+ /cust/shop/deploy/535353535353",
      "- /cust/old/deploy/host42",
      "- /cust/old/deploy",
      "- /cust/old",
      `~ /hosts version: ${first} -> ${second}`,
      `sync would apply 9 changes and set the cluster version to ${second}`,
      "",
      `Host 424242424242 (host42): version ${first} (converged); installed state assumed from ` +
      "the live tree",
      "  deployments:",
      "    /cust/cms 0: z4m cms 1.1",
      "    /cust/cms 1: z4m cms 1.1",
      "    /cust/new 0: newpkg git+https://git.example.com/new.git",
      "  steps:",
      "    undeploy   /opt/oldpkg/bin/zookeeper-deploy -u /cust/old 0",
      "    checkout   newpkg from git https://git.example.com/new.git, then build",
      "    package    z4m 1.1",
      "    deploy     /opt/z4m/bin/zookeeper-deploy -r cms /cust/cms 0",
      "    deploy     /opt/z4m/bin/zookeeper-deploy -r cms /cust/cms 1",
      "    deploy     /opt/newpkg/bin/zookeeper-deploy /cust/new 0",
      "    remove     package oldpkg",
      "    remove     /etc/oldpkg (when empty)",
    ]);
    deepEqual(await snapshot(dir, store), before, "plan wrote nothing to the store");
    equal(await Deno.readTextFile(`${dir}/plan-tree/cust.zk`), SECOND);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("plan: a role conflict is the agent's error, exit 1; --json tells scripts the same", async () => {
  const dir = await Deno.makeTempDir({ prefix: "clusterdeploy-plan-" });
  try {
    const { repo, store } = await fixture(dir);
    const before = await snapshot(dir, store);
    const args = [
      "plan",
      repo.path,
      "--store",
      store,
      "--tree-dir",
      `${dir}/plan-tree`,
      "--host",
      "535353535353",
      "--host",
      "424242424242",
    ];
    const run = await runEntrypoint("main.ts", args);
    equal(run.code, 1, run.stderr);
    match(
      run.stdout,
      /^Host 535353535353 \(host53, role web\): .*\n {2}ERROR Found a host-based deployment at \/cust\/shop\/deploy\/535353535353 but the host has a role, web\.$/m,
    );
    match(run.stdout, /^ {4}deploy {5}\/opt\/z4m\/bin\/zookeeper-deploy -r cms \/cust\/cms 1$/m);
    const json = await runEntrypoint("main.ts", [...args, "--json"]);
    equal(json.code, 1);
    const parsed = JSON.parse(json.stdout);
    equal(parsed.ok, false);
    equal(parsed.tree.sync, "sync");
    deepEqual(parsed.hosts.map((h: { id: string; error: string | null }) => [h.id, h.error]), [
      [
        "535353535353",
        "Found a host-based deployment at /cust/shop/deploy/535353535353 but the host has a role, web.",
      ],
      ["424242424242", null],
    ]);
    deepEqual(await snapshot(dir, store), before, "plan wrote nothing to the store");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("plan without REPO_URL: the live tree; --root reads a host's installed state", async () => {
  const dir = await Deno.makeTempDir({ prefix: "clusterdeploy-plan-" });
  try {
    const { store } = await fixture(dir);
    const root = `${dir}/root`;
    await Deno.mkdir(`${root}/etc/zmh`, { recursive: true });
    await Deno.writeTextFile(`${root}/etc/zmh/pxemac`, "424242424242\n");
    await Deno.mkdir(`${root}/opt/stale/bin`, { recursive: true });
    await Deno.writeTextFile(`${root}/opt/stale/bin/zookeeper-deploy`, "#!/bin/sh\n");
    await Deno.mkdir(`${root}/etc/stale`, { recursive: true });
    await Deno.writeTextFile(`${root}/etc/stale/cust,gone.0.deployed`, "");
    const run = await runEntrypoint("main.ts", ["plan", "--store", store, "--root", root]);
    equal(run.code, 0, run.stderr);
    match(run.stdout, /^Tree: the live tree, cluster version [0-9a-f]{40}$/m);
    match(run.stdout, /^Host 424242424242 \(host42\): .*installed state read from --root$/m);
    match(run.stdout, /^ {4}undeploy {3}\/opt\/stale\/bin\/zookeeper-deploy -u \/cust\/gone 0$/m);
    match(run.stdout, /^ {4}package {4}oldpkg 2\.0$/m);
    match(run.stdout, /^ {4}remove {5}package stale$/m);

    const usage = await runEntrypoint("main.ts", ["plan", "--store", store, "--branch", "x"]);
    equal(usage.code, 2);
    match(usage.stderr, /--branch and --tree-dir need a REPO_URL/);
    const missing = await runEntrypoint("main.ts", ["plan", "--store", `file:${dir}/nope.json`]);
    equal(missing.code, 1);
    match(missing.stderr, /no embedded store at .*nope\.json/);
    ok(!(await exists(`${dir}/nope.json`)), "plan did not create a store");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("plan: a bad tree file names file:line:col, exit 1, store untouched", async () => {
  const dir = await Deno.makeTempDir({ prefix: "clusterdeploy-plan-" });
  try {
    const { repo, store } = await fixture(dir);
    await repo.write("bad.zk", "/bad\n  n = [1, 2\n");
    await repo.commit("bad");
    const before = await snapshot(dir, store);
    const run = await runEntrypoint("main.ts", [
      "plan",
      repo.path,
      "--store",
      store,
      "--tree-dir",
      `${dir}/plan-tree`,
    ]);
    equal(run.code, 1);
    match(run.stderr, /bad tree file, sync would refuse: bad\.zk:2:\d+: /);
    deepEqual(await snapshot(dir, store), before);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("planHost in-process: inconsistent versions are the agent's error; assumed installed state", () => {
  const live = parseTree("/a : z4m\n  version = '1'\n  /deploy\n    /h1\n", "live.zk");
  const desired = parseTree(
    "/a : z4m\n  version = '1'\n  /deploy\n    /h1\n/b : z4m\n  version = '2'\n  /deploy\n    /h1\n",
    "new.zk",
  );
  const host = { id: "h1", name: "h1", role: null };
  const input = { host, registered: true, version: 1, converged: true };
  const report = planHost(input, live, desired);
  equal(report.error, "Inconsistent versions for z4m. '2' != '1'");
  const installed = assumedInstalled(planHost(input, live, live).deployments);
  deepEqual(installed.deployments, [{ app: "z4m", pkg: "z4m", path: "/a", n: 0 }]);
  deepEqual([...installed.opts.keys()], ["z4m"]);
});
