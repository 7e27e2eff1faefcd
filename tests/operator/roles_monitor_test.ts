/**
 * Role controllers, role locks and the monitor through the command line, on the embedded store:
 * `agent --dry-run` and `plan` show the controller steps, `status` shows who holds each role
 * lock, and `monitor` is a Nagios check (its exit code is the state).
 *
 * Covers: main.ts.
 */
import { deepEqual, equal, match } from "node:assert/strict";
import { writeFiles } from "../support/harness/agent_fake_host.ts";
import { runEntrypoint } from "../support/harness/cli.ts";

const TREE = `/hosts
  version = 5
  /424242424242
    name = 'host42'
    role = 'my.role'
    version = 4
/roles
  /my.role : my-0-0-rc
    version = '1.0.0'
/role-locks
  /my.role
    /lr-0000000003
      hostname = 'host53'
      requestor = '535353535353'
    /lr-0000000004
      hostname = 'host42'
      requestor = '424242424242'
/cust
  /cms : z4m
    version = '1.0.0'
    /deploy
      /my.role
`;

/** Imports `tree` with `tree import` into a new embedded store under `dir`; its address. */
async function importedStore(dir: string, tree: string): Promise<string> {
  const store = `file:${dir}/store.json`;
  await Deno.writeTextFile(`${dir}/tree.zk`, tree);
  const imported = await runEntrypoint("main.ts", [
    "tree",
    "import",
    `${dir}/tree.zk`,
    "--store",
    store,
  ]);
  equal(imported.code, 0, imported.stderr);
  return store;
}

async function fixture(dir: string) {
  const store = await importedStore(dir, TREE);
  const root = `${dir}/root`;
  await writeFiles(root, {
    "etc/zmh/pxemac": "424242424242\n",
    "etc/zim/role": "my.role\n",
    "etc/zim/host_version": "4",
  });
  return { store, root };
}

Deno.test("agent --dry-run and plan show the role controller's steps in order", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { store, root } = await fixture(dir);
    const dry = await runEntrypoint("main.ts", [
      "agent",
      "--dry-run",
      "--store",
      store,
      "--root",
      root,
      "--host-name",
      "host42",
    ]);
    equal(dry.code, 0, dry.stderr);
    deepEqual(dry.stdout.trimEnd().split("\n"), [
      "Host 424242424242 (host42, role my.role): cluster version 5, host version 4",
      "  package    my-0-0-rc 1.0.0",
      "  role-start take /role-locks/my.role, then /opt/my-0-0-rc/bin/starting-deployments /roles/my.role",
      "  package    z4m 1.0.0",
      "  deploy     /opt/z4m/bin/zookeeper-deploy /cust/cms 0",
      "  role-end   /opt/my-0-0-rc/bin/ending-deployments /roles/my.role, then free /role-locks/my.role",
    ]);
    const plan = await runEntrypoint("main.ts", [
      "plan",
      "--host",
      "424242424242",
      "--store",
      store,
    ]);
    equal(plan.code, 0, plan.stderr);
    match(
      plan.stdout,
      / {4}role-start take \/role-locks\/my\.role, then \/opt\/my-0-0-rc\/bin\/starting-deployments \/roles\/my\.role\n {4}package {4}z4m 1\.0\.0\n {4}deploy {5}\/opt\/z4m\/bin\/zookeeper-deploy \/cust\/cms 0\n {4}role-end {3}\/opt\/my-0-0-rc\/bin\/ending-deployments/,
    );
    // Nothing was written: no status file, the lock queue as it was.
    equal(await Deno.stat(`${root}/etc/zim/status`).then(() => true, () => false), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("status shows who holds each role lock and who waits", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { store } = await fixture(dir);
    const status = await runEntrypoint("main.ts", ["status", "--store", store]);
    equal(status.code, 0, status.stderr);
    deepEqual(status.stdout.trimEnd().split("\n").slice(-2), [
      "role locks:",
      "  my.role  held by 535353535353 (host53, lr-0000000003); waiting: 424242424242 (host42, lr-0000000004)",
    ]);
    const json = JSON.parse(
      (await runEntrypoint("main.ts", ["status", "--json", "--store", store])).stdout,
    );
    deepEqual(json.roleLocks, [{
      role: "my.role",
      requests: [
        { name: "lr-0000000003", hostname: "host53", requestor: "535353535353" },
        { name: "lr-0000000004", hostname: "host42", requestor: "424242424242" },
      ],
    }]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("monitor: the Nagios state is the exit code, with one line and perfdata", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { store, root } = await fixture(dir);
    const monitor = (...args: string[]) =>
      runEntrypoint("main.ts", ["monitor", "--store", store, "--root", root, ...args]);
    const now = Math.floor(Date.now() / 1000);
    await Deno.writeTextFile(`${root}/etc/zim/status`, `${now - 250} 42 5 deploying /cust/cms 0\n`);
    const warn = await monitor();
    equal(warn.code, 1, warn.stderr);
    match(
      warn.stdout,
      /^DEPLOY WARNING: Too long deploying 5 \(deploying \/cust\/cms 0\) 25\d > 200 \| age=25\ds;200;600;0\n$/,
    );
    const other = `${dir}/elsewhere`;
    await Deno.writeTextFile(other, `${now} 42 4 done\n`);
    const mismatch = await monitor("--status-file", other);
    equal(mismatch.code, 2);
    match(mismatch.stdout, /^DEPLOY CRITICAL: Version mismatch \(status: 4, cluster: 5\) \| age=/);
    const unreachable = await runEntrypoint("main.ts", [
      "monitor",
      "--store",
      `file:${dir}/missing.json`,
      "--root",
      root,
    ]);
    equal(unreachable.code, 2);
    match(unreachable.stdout, /^DEPLOY CRITICAL: no embedded store at /);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("agent --after runs the hook after a deployment; a failing hook fails it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const store = await importedStore(dir, "/hosts\n  version = 5\n");
    const agent = async (name: string, after: string) => {
      const root = `${dir}/${name}`;
      await writeFiles(root, { "etc/zmh/pxemac": `${name}\n`, "etc/zim/host_version": "4" });
      const run = await runEntrypoint("main.ts", [
        "agent",
        "--run-once",
        "--store",
        store,
        "--root",
        root,
        "--host-name",
        name,
        "--after",
        after,
      ]);
      const status = await Deno.readTextFile(`${root}/etc/zim/status`);
      return { ...run, log: run.stdout + run.stderr, status: status.split(" ").slice(2).join(" ") };
    };
    const ok = await agent("h1", "echo hook ran");
    equal(ok.code, 0, ok.log);
    match(
      ok.log,
      /INFO Done deploying version 5\n.*INFO Running after hook\n.*INFO echo hook ran\n/s,
    );
    equal(ok.status, "5 done\n");
    const failing = await agent("h2", "false");
    equal(failing.code, 1, failing.log);
    match(
      failing.log,
      /INFO Running after hook\n.*ERROR after.*CRITICAL FAILED after deploying version 5/s,
    );
    match(failing.status, /^5 error Command failed: false/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
