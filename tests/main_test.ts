/**
 * The operator CLI (main.ts) and sync.ts as black boxes: help, exit codes, messages, and the
 * tree/status/resume commands on the embedded store.
 *
 * Covers: main.ts, sync.ts.
 */
import { deepEqual, equal, match } from "node:assert/strict";
import { runEntrypoint } from "./support/harness/cli.ts";
import { makeRepo } from "./support/harness/git_repo.ts";

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "clusterdeploy-cli-" });
}

Deno.test("main --help lists every command; an unknown command is a usage error (exit 2)", async () => {
  const help = await runEntrypoint("main.ts", ["--help"]);
  equal(help.code, 0);
  for (const command of ["sync", "tree", "status", "resume", "demo"]) {
    match(help.stdout, new RegExp(`^ {2}${command}\\b`, "m"));
  }
  const bad = await runEntrypoint("main.ts", ["no-such-command"]);
  equal(bad.code, 2);
  match(bad.stderr, /unknown command 'no-such-command'/);
});

Deno.test("sync without a repository is a usage error; --help explains the exit codes", async () => {
  const bad = await runEntrypoint("sync.ts", []);
  equal(bad.code, 2);
  match(bad.stderr, /missing required argument 'repo-url'/);
  const help = await runEntrypoint("sync.ts", ["--help"]);
  equal(help.code, 0);
  match(help.stdout, /Exit status: 0 synced or nothing to do, 1 refused or failed, 2 usage error/);
});

Deno.test("tree validate: ok files pass, a bad file names file:line:col and exits 1", async () => {
  const dir = await tempDir();
  try {
    await Deno.writeTextFile(`${dir}/good.zk`, "/a : z4m\n  version = '1'\n");
    await Deno.writeTextFile(`${dir}/bad.zk`, "/a\n  n = [1, 2\n");
    const run = await runEntrypoint("main.ts", [
      "tree",
      "validate",
      `${dir}/good.zk`,
      `${dir}/bad.zk`,
    ]);
    equal(run.code, 1);
    match(run.stdout, /good\.zk: ok/);
    match(run.stderr, /bad\.zk:2:\d+: /);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("tree import then export round-trips through the embedded store; --dry-run writes nothing", async () => {
  const dir = await tempDir();
  const store = `file:${dir}/store.json`;
  try {
    const text = "/cust : customer\n  name = 'ACME'\n  /cms : z4m cms\n    version = '1.0'\n";
    await Deno.writeTextFile(`${dir}/t.zk`, text);
    const dry = await runEntrypoint("main.ts", [
      "tree",
      "import",
      `${dir}/t.zk`,
      "--dry-run",
      "--store",
      store,
    ]);
    equal(dry.code, 0, dry.stderr);
    match(dry.stdout, /^\+ \/cust\/cms type = 'z4m cms'$/m);
    const empty = await runEntrypoint("main.ts", ["tree", "export", "--store", store]);
    equal(empty.stdout, "");
    const imported = await runEntrypoint("main.ts", [
      "tree",
      "import",
      `${dir}/t.zk`,
      "--store",
      store,
    ]);
    equal(imported.code, 0, imported.stderr);
    const exported = await runEntrypoint("main.ts", ["tree", "export", "--store", store]);
    equal(exported.stdout, text);
    const sub = await runEntrypoint("main.ts", ["tree", "export", "/cust/cms", "--store", store]);
    equal(sub.stdout, "/cust/cms : z4m cms\n  version = '1.0'\n");
    const missing = await runEntrypoint("main.ts", ["tree", "export", "/nope", "--store", store]);
    equal(missing.code, 1);
    match(missing.stderr, /no node at \/nope/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sync.ts end to end on the embedded store: logs on stderr, exit 0, then nothing to do", async () => {
  const dir = await tempDir();
  try {
    const repo = await makeRepo(dir);
    await repo.write("a.zk", "/a\n  /b\n");
    const commit = await repo.commit("a");
    const args = [repo.path, "--store", `file:${dir}/store.json`, "--tree-dir", `${dir}/trees`];
    const first = await runEntrypoint("sync.ts", args);
    equal(first.code, 0, first.stderr);
    deepEqual(first.stderr.trimEnd().split("\n"), [
      `INFO VCS Version: ${commit}`,
      "INFO ZK Version: initial",
      "INFO Version mismatch detected, resyncing",
      "INFO Importing a.zk",
    ]);
    const json = await runEntrypoint("sync.ts", [...args, "--log-format", "json"]);
    equal(json.code, 0);
    const records = json.stderr.trimEnd().split("\n").map((l) => JSON.parse(l));
    deepEqual(records.map((r) => [r.level, r.msg]), [
      ["INFO", `VCS Version: ${commit}`],
      ["INFO", `ZK Version: ${commit}`],
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("status shows the fleet and exits 1 on a host error; resume leaves ALL STOP", async () => {
  const dir = await tempDir();
  const store = ["--store", `file:${dir}/store.json`];
  try {
    await Deno.writeTextFile(
      `${dir}/hosts.zk`,
      [
        "/hosts",
        "  version = 21",
        "  /424242424242",
        "    name = 'host42'",
        "    role = 'cache'",
        "    version = 21",
        "  /535353535353",
        "    name = 'host53'",
        "    version = 19",
        "    error = 'Command failed: yum -y install squid-bad'",
        "",
      ].join("\n"),
    );
    equal(
      (await runEntrypoint("main.ts", ["tree", "import", `${dir}/hosts.zk`, ...store])).code,
      0,
    );
    const status = await runEntrypoint("main.ts", ["status", ...store]);
    equal(status.code, 1);
    deepEqual(status.stdout.trimEnd().split("\n"), [
      "cluster version: 21",
      "HOST          NAME    ROLE   VERSION  CONVERGED  AGENT  ERROR",
      "424242424242  host42  cache  21       yes        down",
      "535353535353  host53  -      19       no         down   Command failed: yum -y install squid-bad",
    ]);
    const json = JSON.parse(
      (await runEntrypoint("main.ts", ["status", "--json", ...store])).stdout,
    );
    equal(json.state, "running");
    deepEqual(json.hosts.map((h: { id: string; converged: boolean }) => [h.id, h.converged]), [
      ["424242424242", true],
      ["535353535353", false],
    ]);

    const refused = await runEntrypoint("main.ts", ["resume", "22", ...store]);
    equal(refused.code, 1);
    match(refused.stderr, /the cluster is not stopped \(version 21\); use --force/);

    await Deno.writeTextFile(`${dir}/stop.zk`, "/hosts\n  version = None\n");
    // Import without trim keeps the host nodes; only /hosts' properties change.
    equal((await runEntrypoint("main.ts", ["tree", "import", `${dir}/stop.zk`, ...store])).code, 0);
    const stopped = await runEntrypoint("main.ts", ["status", ...store]);
    equal(stopped.code, 1);
    match(stopped.stdout, /^cluster version: None — ALL STOP/);
    const resumed = await runEntrypoint("main.ts", ["resume", "22", ...store]);
    equal(resumed.code, 0, resumed.stderr);
    equal(resumed.stdout, "cluster version None -> 22\n");
    const exported = await runEntrypoint("main.ts", ["tree", "export", "/hosts", ...store]);
    equal(exported.stdout.split("\n").slice(0, 2).join("\n"), "/hosts\n  version = 22");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a malformed --store is a usage error (2) that shows the expected forms", async () => {
  for (const entrypoint of ["sync.ts", "main.ts"]) {
    const args = entrypoint === "sync.ts" ? ["/some/repo"] : ["status"];
    const run = await runEntrypoint(entrypoint, [...args, "--store", "zk1:notaport"]);
    equal(run.code, 2, `${entrypoint}: ${run.stderr}`);
    match(
      run.stderr,
      /cannot open the store zk1:notaport: .*expected host:port\[,host:port\]\[\/chroot\] or file:PATH/,
    );
  }
});

Deno.test("read-only commands and dry runs never create an embedded store file", async () => {
  const dir = await tempDir();
  const store = `${dir}/nowhere/store.json`;
  try {
    for (const args of [["status"], ["tree", "export"], ["resume", "3"]]) {
      const run = await runEntrypoint("main.ts", [...args, "--store", `file:${store}`]);
      equal(run.code, 1, args.join(" "));
      match(
        run.stderr,
        /no embedded store at .*nowhere\/store\.json: this command does not create one/,
      );
    }
    await Deno.writeTextFile(`${dir}/t.zk`, "/a\n");
    const dry = await runEntrypoint("main.ts", [
      "tree",
      "import",
      `${dir}/t.zk`,
      "--dry-run",
      "--store",
      `file:${store}`,
    ]);
    equal(dry.code, 0, dry.stderr);
    equal(dry.stdout, "+ /a\n");
    equal(await Deno.stat(`${dir}/nowhere`).then(() => true, () => false), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--log-format json turns a command's error into a JSON log record", async () => {
  const run = await runEntrypoint("main.ts", [
    "status",
    "--store",
    "file:/nonexistent-cd/x.json",
    "--log-format",
    "json",
  ]);
  equal(run.code, 1);
  const record = JSON.parse(run.stderr.trim());
  equal(record.level, "ERROR");
  match(record.msg, /^no embedded store at \/nonexistent-cd\/x\.json/);
});
