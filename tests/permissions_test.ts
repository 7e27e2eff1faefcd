/**
 * Each entrypoint runs under exactly the permission flags of `scripts/permissions.ts` (the flags
 * `deno task compile` bakes into the binaries), doing real work: sync against a real ZooKeeper
 * and a real git repository, the agent deploying on a temp root with a yum look-alike, the
 * handler in test mode and for real against a Consul double, the operator CLI's `tree validate`,
 * `status` and `demo`. Then, for every flag, the same work with that one flag dropped must fail:
 * a flag no scenario needs fails the test (remove it, or add a scenario that needs it), and so
 * does a scenario that needs a permission the table does not give.
 *
 * Every run gets fresh directories (the layout's paths point into them) and its own ZooKeeper
 * chroot, so runs are independent and may go in parallel.
 *
 * Covers: agent.ts, handler.ts, main.ts, scripts/compile.ts, scripts/permissions.ts, sync.ts.
 *
 * @module
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import {
  DEFAULT_LAYOUT,
  type Entrypoint,
  ENTRYPOINTS,
  expandValues,
  grantFlag,
  type Layout,
  permissionFlags,
  PERMISSIONS,
} from "../scripts/permissions.ts";
import { compileArgs } from "../scripts/compile.ts";
import { startConsulDouble } from "./support/servers/consul_double.ts";
import { makeRepo } from "./support/harness/git_repo.ts";
import { startZooKeeper } from "./support/servers/zookeeper.ts";
import { connectZooKeeper } from "../lib/store/zookeeper/mod.ts";
import { setProperties } from "../lib/store/tree_io.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const FAKE_YUM = new URL("../testdata/demo/simulated-yum.sh", import.meta.url).pathname;
const COMPOSE_APP = new URL("../testdata/handler/lycee-test-mlf/", import.meta.url).pathname;
const HOST_ID = "0a0a0a0a0a0a";
const NODE = "node1";
/** A run that takes longer is killed (and counts as failed). */
const RUN_TIMEOUT_MS = 40_000;

/** Where the deno running this test keeps its cache: the runs must use it, not $XDG_CACHE_HOME. */
async function denoDir(): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stdout: "piped" })
    .output();
  return JSON.parse(new TextDecoder().decode(out.stdout)).denoDir;
}

/** What every scenario shares: one ZooKeeper, repositories, a Consul double, a fake yum. */
interface Shared {
  readonly base: string;
  readonly zk: string;
  readonly denoDir: string;
  /** A git repository of tree files deploying package `webapp` 1.0 to {@linkcode HOST_ID}. */
  readonly treeRepo: string;
  /** A git repository holding the example compose application. */
  readonly appRepo: string;
  /** `host:port` of the Consul double. */
  readonly consulAddr: string;
  /** Directory with `yum` (the look-alike) for PATH. */
  readonly fakeBin: string;
  /** The look-alike's package repository. */
  readonly yumRepo: string;
  /** The subcommands `main.ts --help` lists. */
  readonly mainCommands: ReadonlySet<string>;
}

/** One run's own directories and environment. */
interface Run {
  readonly dir: string;
  readonly layout: Layout;
  /** A fresh chroot on the shared ZooKeeper. */
  readonly zk: string;
  readonly env: Record<string, string>;
}

let counter = 0;

async function freshRun(shared: Shared): Promise<Run> {
  const dir = `${shared.base}/run-${++counter}`;
  const layout: Layout = {
    cacheDir: [`${dir}/cache/clusterdeploy`],
    stateDir: [`${dir}/state`],
    deployDir: [`${dir}/deploy`],
    tmpDir: [`${dir}/tmp`],
    consul: [shared.consulAddr],
  };
  for (const d of [`${dir}/tmp`, `${dir}/root/etc/zmh`]) await Deno.mkdir(d, { recursive: true });
  await Deno.writeTextFile(`${dir}/root/etc/zmh/pxemac`, `${HOST_ID}\n`);
  return {
    dir,
    layout,
    zk: `${shared.zk}/run-${counter}`,
    env: {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: Deno.env.get("HOME") ?? dir,
      DENO_DIR: shared.denoDir,
      TMPDIR: `${dir}/tmp`,
      XDG_CACHE_HOME: `${dir}/cache`,
    },
  };
}

/** A finished run. */
interface Output {
  code: number;
  stdout: string;
  stderr: string;
}

/** One piece of real work done by an entrypoint. */
interface Scenario {
  readonly entry: Entrypoint;
  readonly name: string;
  /** Whether the scenario applies yet (main.ts mounts the tools as they land). */
  available?(shared: Shared): boolean;
  /** Prepares the run with full permissions (not what is being tested). */
  setup?(shared: Shared, run: Run): Promise<void>;
  /** The entrypoint's arguments. */
  args(shared: Shared, run: Run): string[];
  /** Extra environment. */
  env?(shared: Shared, run: Run): Record<string, string>;
  /** What a successful run did. */
  check(out: Output, shared: Shared, run: Run): void | Promise<void>;
  /**
   * For a command that runs until stopped (`serve`): what to do with it while it runs, given its
   * standard error so far; then it gets SIGTERM. A failure here fails the run (exit 125).
   */
  during?(shared: Shared, run: Run, stderr: () => string): Promise<void>;
}

async function deno(
  args: string[],
  env: Record<string, string>,
  during?: (stderr: () => string) => Promise<void>,
): Promise<Output> {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, RUN_TIMEOUT_MS);
  let stderrSoFar = "";
  const stderrText = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      stderrSoFar += chunk;
    }
    return stderrSoFar;
  })();
  const stdoutText = new Response(child.stdout).text();
  let duringError: string | undefined;
  if (during !== undefined) {
    const exited = child.status.then(() => "exited");
    const outcome = await Promise.race([during(() => stderrSoFar).then(() => "done"), exited])
      .catch((error) => `failed: ${error}`);
    if (outcome !== "done") duringError = outcome;
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
  }
  const [status, stdout, stderr] = await Promise.all([child.status, stdoutText, stderrText])
    .finally(() => clearTimeout(timer));
  const notes = (timedOut ? `\n(killed after ${RUN_TIMEOUT_MS} ms)` : "") +
    (duringError ? `\n(while running: ${duringError})` : "");
  const code = timedOut ? 124 : duringError ? 125 : status.code;
  return { code, stdout, stderr: stderr + notes };
}

function show(out: Output): string {
  return `exit ${out.code}\n--- stdout\n${out.stdout}\n--- stderr\n${out.stderr}`;
}

/** Syncs the tree repository into `store` with every permission (a setup step). */
async function syncAll(shared: Shared, run: Run, store: string): Promise<void> {
  const out = await deno(
    [
      "run",
      "-A",
      "--quiet",
      "sync.ts",
      "--store",
      store,
      "--tree-dir",
      `${run.dir}/setup-tree`,
      shared.treeRepo,
    ],
    run.env,
  );
  assertEquals(out.code, 0, `setup sync failed:\n${show(out)}`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

const fileStore = (run: Run) => `file:${run.layout.stateDir[0]}/store.json`;

const agentEnv = (shared: Shared, run: Run) => ({
  PATH: `${shared.fakeBin}:${run.env.PATH}`,
  TEST_ROOT: `${run.dir}/root`,
  FAKE_YUM_REPO: shared.yumRepo,
});

async function checkDeployed(out: Output, run: Run) {
  assertEquals(out.code, 0, show(out));
  assert(
    await exists(`${run.dir}/root/etc/webapp/cust,web.0.deployed`),
    `no deploy marker:\n${show(out)}`,
  );
  assert(await exists(`${run.dir}/root/etc/zim/host_version`), show(out));
}

function events(shared: Shared, id: string, name: string, payload: Record<string, unknown>) {
  return JSON.stringify([{
    ID: id,
    Name: name,
    Payload: btoa(JSON.stringify({ repo: shared.appRepo, branch: "master", ...payload })),
    NodeFilter: "",
    ServiceFilter: "",
    TagFilter: "",
    Version: 1,
    LTime: 1,
  }]);
}

const handlerArgs = (shared: Shared, run: Run) => [
  "--consul",
  `http://${shared.consulAddr}`,
  "--deploy-dir",
  run.layout.deployDir[0],
];

/** `--help` of an entrypoint (commander reads colour switches from the environment). */
const help = (entry: Entrypoint, words: string[] = []): Scenario => ({
  entry,
  name: `${entry} ${[...words, "--help"].join(" ")}`,
  args: () => [...words, "--help"],
  check(out) {
    assertEquals(out.code, 0, show(out));
    assert(out.stdout.includes("Usage:"), show(out));
  },
});

/** Every scenario, per entrypoint; order matters only for speed (cheap ones first). */
const SCENARIOS: Scenario[] = [
  help("sync.ts"),
  help("agent.ts"),
  help("handler.ts"),
  help("main.ts"),
  help("main.ts", ["sync"]),
  {
    entry: "sync.ts",
    name: "sync a repository into the embedded store in the state dir",
    args: (shared, run) => ["--store", fileStore(run), shared.treeRepo],
    async check(out, _shared, run) {
      assertEquals(out.code, 0, show(out));
      assert(out.stderr.includes("INFO VCS Version: "), show(out));
      const text = await Deno.readTextFile(`${run.layout.stateDir[0]}/store.json`);
      assert(text.includes("webapp"), text);
    },
  },
  {
    entry: "sync.ts",
    name: "sync a repository into ZooKeeper, default tree dir from XDG_CACHE_HOME",
    args: (shared, run) => ["--store", run.zk, shared.treeRepo],
    async check(out, _shared, run) {
      assertEquals(out.code, 0, show(out));
      assert(out.stderr.includes("INFO ZK Version: initial"), show(out));
      const trees = `${run.layout.cacheDir[0]}/trees`;
      const entries = (await Array.fromAsync(Deno.readDir(trees))).filter((e) =>
        !e.name.endsWith(".lock") // the checkout lock beside it
      );
      assert(entries.length === 1, `no checkout in ${trees}`);
    },
  },
  {
    entry: "agent.ts",
    name: "agent --run-once on a file store: yum look-alike and a deploy script on a temp root",
    setup: (shared, run) => syncAll(shared, run, fileStore(run)),
    args: (_shared, run) => ["--run-once", "--store", fileStore(run), "--root", `${run.dir}/root`],
    env: agentEnv,
    check: (out, _shared, run) => checkDeployed(out, run),
  },
  {
    entry: "agent.ts",
    name: "agent --run-once against ZooKeeper, root from TEST_ROOT",
    setup: (shared, run) => syncAll(shared, run, run.zk),
    args: (_shared, run) => ["--run-once", "--store", run.zk],
    env: agentEnv,
    check: (out, _shared, run) => checkDeployed(out, run),
  },
  {
    entry: "handler.ts",
    name: "handler test mode: a deploy event printed, the app cloned in a scratch dir",
    args: (shared, run) => [
      "test",
      events(shared, `ev-test-${run.dir.split("-").pop()}`, "deploy", { master: NODE }),
      ...handlerArgs(shared, run),
    ],
    check(out) {
      assertEquals(out.code, 0, show(out));
      assert(out.stdout.includes("git clone"), show(out));
      assert(out.stdout.includes("buttervolume schedule"), show(out));
    },
  },
  {
    entry: "handler.ts",
    name: "handler for real: a destroy event of an app this node does not run, recorded",
    args: (shared, run) => [
      events(shared, `ev-live-${run.dir.split("-").pop()}`, "destroy", {}),
      ...handlerArgs(shared, run),
    ],
    async check(out, _shared, run) {
      assertEquals(out.code, 0, show(out));
      const record = await Deno.readTextFile(`${run.layout.deployDir[0]}/handled_events.log`);
      assert(record.includes("ev-live-"), record);
    },
  },
  {
    entry: "main.ts",
    name: "clusterdeploy agent --run-once on a file store",
    available: (shared) => shared.mainCommands.has("agent"),
    setup: (shared, run) => syncAll(shared, run, fileStore(run)),
    args: (_shared, run) => ["agent", "--run-once", "--store", fileStore(run)],
    env: agentEnv,
    check: (out, _shared, run) => checkDeployed(out, run),
  },
  {
    entry: "main.ts",
    name: "clusterdeploy handler test EVENTS",
    available: (shared) => shared.mainCommands.has("handler"),
    args: (shared, run) => [
      "handler",
      "test",
      events(shared, `ev-main-${run.dir.split("-").pop()}`, "deploy", { master: NODE }),
      ...handlerArgs(shared, run),
    ],
    check(out) {
      assertEquals(out.code, 0, show(out));
      assert(out.stdout.includes("buttervolume schedule"), show(out));
    },
  },
  {
    entry: "main.ts",
    name: "clusterdeploy tree validate FILE",
    async setup(_shared, run) {
      await Deno.writeTextFile(`${run.dir}/a.zk`, "/a : thing\n  x = 1\n");
    },
    args: (_shared, run) => ["tree", "validate", `${run.dir}/a.zk`],
    check: (out) => assertEquals(out.code, 0, show(out)),
  },
  {
    entry: "main.ts",
    name: "clusterdeploy demo",
    args: (_shared, run) => ["demo", "--dir", `${run.dir}/demo`],
    check(out) {
      assertEquals(out.code, 0, show(out));
      assert(out.stdout.includes("clusterdeploy demo"), show(out));
    },
  },
  {
    entry: "main.ts",
    name: "clusterdeploy status against ZooKeeper",
    setup: (shared, run) => syncAll(shared, run, run.zk),
    args: (_shared, run) => ["status", "--store", run.zk],
    check: (out) => assertEquals(out.code, 0, show(out)),
  },
  {
    entry: "main.ts",
    name: "clusterdeploy serve: pages behind a token, /api/status, --notify on a version bump",
    available: (shared) => shared.mainCommands.has("serve"),
    async setup(shared, run) {
      await syncAll(shared, run, run.zk);
      await Deno.writeTextFile(`${run.dir}/token`, "serve-token-0123456789\n");
    },
    args: (_shared, run) => [
      "serve",
      "--store",
      run.zk,
      "--listen",
      "127.0.0.1:0",
      "--token-file",
      `${run.dir}/token`,
      "--notify",
      JSON.stringify(["touch", `${run.dir}/notified`]),
      "--notify-backoff",
      "0.1",
    ],
    async during(_shared, run, stderr) {
      await waitUntil(() => /INFO serve: http:\/\/\S+\//.test(stderr()) || /error/.test(stderr()));
      const url = /INFO serve: (http:\/\/\S+?)\/ /.exec(stderr())?.[1];
      if (url === undefined) throw new Error("serve did not start");
      const response = await fetch(`${url}/api/status`, {
        headers: { authorization: `Basic ${btoa("op:serve-token-0123456789")}` },
      });
      if (response.status !== 200) throw new Error(`/api/status: ${response.status}`);
      await response.body?.cancel();
      const store = await connectZooKeeper(run.zk);
      try {
        await setProperties(store, "/hosts", { version: "f00d" });
      } finally {
        await store.close();
      }
      await waitUntil(() => exists(`${run.dir}/notified`));
    },
    async check(out, _shared, run) {
      assertEquals(out.code, 0, show(out));
      assert(await exists(`${run.dir}/notified`), show(out));
      assert(out.stderr.includes("started sent (attempt 1)"), show(out));
    },
  },
];

/** Waits for `condition` (at most 15 s; throws then). */
async function waitUntil(condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!await condition()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Runs `tasks` with at most `limit` at a time. */
async function pool<T>(limit: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

async function makeShared(base: string, zk: string, consulAddr: string): Promise<Shared> {
  const tree = await makeRepo(base, "trees");
  await tree.write(
    "cluster.zk",
    `/cust\n  /web : webapp\n    version = '1.0'\n    /deploy\n      /${HOST_ID}\n`,
  );
  await tree.commit("webapp on the test host");
  const app = await makeRepo(base, "lycee-test-mlf");
  for (const name of ["docker-compose.yml", "update.sh"]) {
    await app.write(name, await Deno.readTextFile(`${COMPOSE_APP}${name}`));
  }
  await app.commit("the example compose app");
  const fakeBin = `${base}/bin`;
  await Deno.mkdir(fakeBin);
  await Deno.copyFile(FAKE_YUM, `${fakeBin}/yum`);
  await Deno.chmod(`${fakeBin}/yum`, 0o755);
  const yumRepo = `${base}/yum-repo`;
  const script = `${yumRepo}/webapp/1.0/bin/zookeeper-deploy`;
  await Deno.mkdir(`${yumRepo}/webapp/1.0/bin`, { recursive: true });
  await Deno.writeTextFile(
    script,
    `#!/bin/sh
set -eu
if [ "$1" = "-u" ]; then shift; fi
root="$(cd "$(dirname "$0")/../../.." && pwd)"
mkdir -p "$root/etc/webapp"
: >"$root/etc/webapp/$(echo "$1" | sed 's#^/##; s#/#,#g').$2.deployed"
`,
  );
  await Deno.chmod(script, 0o755);
  const mainHelp = await deno(["run", "-A", "--quiet", "main.ts", "--help"], {
    PATH: Deno.env.get("PATH") ?? "",
    HOME: Deno.env.get("HOME") ?? base,
  });
  const commands = mainHelp.stdout.split("Commands:")[1] ?? "";
  return {
    mainCommands: new Set(commands.split("\n").map((l) => l.trim().split(/\s+/)[0])),
    base,
    zk,
    denoDir: await denoDir(),
    treeRepo: tree.path,
    appRepo: app.path,
    consulAddr,
    fakeBin,
    yumRepo,
  };
}

Deno.test("permissions: layout placeholders expand; no binary gets --allow-all", () => {
  assertEquals(expandValues(["{deployDir}", "git"]), ["/deploy", "git"]);
  assertEquals(
    grantFlag({ flag: "--allow-net", values: ["{consul}"], why: "" }),
    "--allow-net=127.0.0.1:8500,localhost:8500",
  );
  assertEquals(grantFlag({ flag: "--allow-net", why: "" }), "--allow-net");
  for (const entry of ENTRYPOINTS) {
    const flags = permissionFlags(entry);
    assert(
      flags.every((f) => /^--allow-(net|read|write|run|env|sys)(=|$)/.test(f)),
      flags.join(" "),
    );
    assertEquals(new Set(flags.map((f) => f.split("=")[0])).size, flags.length, "one flag each");
    for (const grant of PERMISSIONS[entry].grants) assert(grant.why.length > 10, grant.flag);
  }
});

Deno.test("compile: deno compile gets exactly the flags of scripts/permissions.ts", async () => {
  for (const entry of ENTRYPOINTS) {
    const args = compileArgs(entry, {
      target: "x86_64-unknown-linux-gnu",
      out: "dist",
      layout: DEFAULT_LAYOUT,
    });
    assertEquals(args.filter((a) => a.startsWith("--allow-")), permissionFlags(entry));
    assertEquals(args.slice(-3), ["--output", `dist/${PERMISSIONS[entry].binary}`, entry]);
  }
  const printed = await deno(["run", "-A", "--quiet", "scripts/compile.ts", "--print"], {
    PATH: Deno.env.get("PATH") ?? "",
    HOME: Deno.env.get("HOME") ?? "/",
  });
  assertEquals(printed.code, 0, show(printed));
  for (const entry of ENTRYPOINTS) {
    assert(printed.stdout.includes(permissionFlags(entry).join(" ")), show(printed));
  }
});

Deno.test("compile: without a usable denort it says what to do, building nothing", async () => {
  const out = await Deno.makeTempDir({ prefix: "clusterdeploy-compile-" });
  try {
    const result = await deno(
      ["run", "-A", "--quiet", "scripts/compile.ts", "--only", "sync", "--out", out],
      {
        PATH: Deno.env.get("PATH") ?? "",
        HOME: Deno.env.get("HOME") ?? "/",
        DENORT_BIN: `${out}/no-such-denort`,
      },
    );
    assertEquals(result.code, 1, show(result));
    assert(result.stderr.includes(`DENORT_BIN=${out}/no-such-denort: no such file`), show(result));
    assert(result.stderr.includes("DENORT_BIN=/path/to/denort deno task compile"), show(result));
    assert(result.stderr.includes("dl/release/v"), show(result));
    assertEquals(await Array.fromAsync(Deno.readDir(out)), []);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test({
  name: "permissions: each entrypoint works under exactly its flags, and needs every one of them",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const base = await Deno.makeTempDir({ prefix: "clusterdeploy-perms-" });
    const server = await startZooKeeper();
    const consul = startConsulDouble([{ name: NODE, addr: "10.0.0.1" }, {
      name: "node2",
      addr: "10.0.0.2",
    }]);
    try {
      const consulAddr = new URL(consul.url).host;
      const shared = await makeShared(base, server.connect, consulAddr);
      const present = new Set<Entrypoint>();
      for (const entry of ENTRYPOINTS) if (await exists(`${ROOT}${entry}`)) present.add(entry);
      const scenarios = SCENARIOS.filter((s) =>
        present.has(s.entry) && (s.available?.(shared) ?? true)
      );
      console.log(`  scenarios: ${scenarios.map((s) => s.name).join("; ")}`);

      await t.step("every scenario succeeds under exactly the entrypoint's flags", async () => {
        const failures = await pool(
          3,
          scenarios.map((s) => async () => {
            const [out, run] = await runScenarioFlags(
              s,
              shared,
              (l) => permissionFlags(s.entry, l),
            );
            try {
              await s.check(out, shared, run);
              return [];
            } catch (error) {
              const flags = permissionFlags(s.entry, run.layout).join(" ");
              return [`${s.entry}: ${s.name}\n  flags ${flags}\n  ${error}`];
            }
          }),
        );
        assertEquals(failures.flat(), []);
      });

      await t.step("dropping any one flag, or any one layout path of a flag, fails", async () => {
        const drops: Drop[] = [...present].flatMap((entry) =>
          PERMISSIONS[entry].grants.flatMap((grant) => [
            { entry, flag: grant.flag },
            ...(grant.values ?? []).filter((v) => v.startsWith("{")).map((value) => ({
              entry,
              flag: grant.flag,
              value,
            })),
          ])
        );
        const found = await pool(
          6,
          drops.map((drop) => async () => {
            for (const s of scenarios.filter((s) => s.entry === drop.entry)) {
              const [out] = await runScenarioFlags(s, shared, (layout) => without(drop, layout));
              if (out.code !== 0) return { drop, by: s.name };
            }
            return { drop, by: undefined };
          }),
        );
        const label = (d: Drop) => `${d.entry} ${d.flag}${d.value ? ` ${d.value}` : ""}`;
        for (const f of found) console.log(`  ${label(f.drop)}: needed by "${f.by ?? "-"}"`);
        const unneeded = found.filter((f) => f.by === undefined).map((f) => label(f.drop));
        assertEquals(unneeded, [], "permissions that no scenario needs");
      });

      await t.step("the allow-lists hold: paths outside the layout are refused", async () => {
        const cases: [Entrypoint, (run: Run) => string[], Record<string, string>][] = [
          ["sync.ts", (run) => [
            "--store",
            fileStore(run),
            "--tree-dir",
            `${run.dir}/elsewhere`,
            shared.treeRepo,
          ], {}],
          ["sync.ts", (run) => ["--store", `file:${run.dir}/elsewhere.json`, shared.treeRepo], {}],
          ["handler.ts", (run) => [
            "test",
            events(shared, "ev-outside", "deploy", { master: NODE }),
            "--consul",
            `http://${shared.consulAddr}`,
            "--deploy-dir",
            `${run.dir}/elsewhere`,
          ], {}],
        ];
        for (const [entry, args, env] of cases) {
          const run = await freshRun(shared);
          const out = await deno(
            [
              "run",
              "--quiet",
              "--no-prompt",
              ...permissionFlags(entry, run.layout),
              entry,
              ...args(run),
            ],
            { ...run.env, ...env },
          );
          assert(out.code !== 0 && /Requires (read|write) access/.test(out.stderr), show(out));
        }
      });
    } finally {
      await consul.close();
      await server.close();
      await Deno.remove(base, { recursive: true }).catch(() => {});
    }
  },
});

/** A permission taken away: a whole flag, or one `{placeholder}` of its allow-list. */
interface Drop {
  entry: Entrypoint;
  flag: string;
  value?: string;
}

/** The entrypoint's flags less `drop`. */
function without(drop: Drop, layout: Layout): string[] {
  return PERMISSIONS[drop.entry].grants.flatMap((grant) => {
    if (grant.flag !== drop.flag) return [grantFlag(grant, layout)];
    if (drop.value === undefined) return [];
    const values = grant.values!.filter((v) => v !== drop.value);
    return values.length === 0 ? [] : [grantFlag({ ...grant, values }, layout)];
  });
}

async function runScenarioFlags(
  s: Scenario,
  shared: Shared,
  flagsFor: (layout: Layout) => string[],
): Promise<[Output, Run]> {
  const run = await freshRun(shared);
  await s.setup?.(shared, run);
  const env = { ...run.env, ...s.env?.(shared, run) };
  const out = await deno(
    ["run", "--quiet", "--no-prompt", ...flagsFor(run.layout), s.entry, ...s.args(shared, run)],
    env,
    s.during && ((stderr) => s.during!(shared, run, stderr)),
  );
  return [out, run];
}
