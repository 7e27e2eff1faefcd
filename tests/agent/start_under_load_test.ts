/**
 * Agents start under load (issue 9, item 8): an agent daemon whose ZooKeeper is not reachable
 * yet keeps trying (logging the failure, not once per attempt) and starts when the server comes;
 * a stop signal while it tries ends it cleanly. And no failure ends a process without saying
 * what failed: a rejection or exception with `null` (or any non-error value) that nothing
 * handled is reported, with the stack under `--verbose`.
 *
 * Covers: lib/agent/connect.ts, lib/cli/run.ts, lib/log.ts, lib/store/tree_io.ts,
 *   lib/store/types.ts, lib/store/zookeeper/mod.ts.
 */
import { deepEqual as assertEquals, equal, match, rejects } from "node:assert/strict";
import { connectWithRetry } from "../../lib/agent/connect.ts";
import { memoryLogger } from "../../lib/log.ts";
import { type Store, StoreError } from "../../lib/store/types.ts";
import { getProperties } from "../../lib/store/tree_io.ts";
import { connectZooKeeper } from "../../lib/store/zookeeper/mod.ts";
import { RealHost } from "../support/harness/agent_real_host.ts";
import { waitFor } from "../support/harness/wait.ts";
import { freePort, startZooKeeper } from "../support/servers/zookeeper.ts";

const options = { sanitizeOps: false, sanitizeResources: false };

Deno.test(
  "agent start: ZooKeeper not up yet — the daemon keeps trying, then starts",
  options,
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "agent-load-" });
    const port = freePort();
    const host = await RealHost.make(dir, "0d0d0d0d0d0d", "host-d", {});
    const agent = host.spawnAgent(["--store", `127.0.0.1:${port}`, "--session-timeout", "1"]);
    let server;
    try {
      const warning = `WARNING Cannot connect to 127.0.0.1:${port}: cannot connect to zookeeper ` +
        `within 1000 ms: 127.0.0.1:${port}; still trying`;
      await waitFor("the first failure to be logged", () => agent.lines.includes(warning));
      // It goes on trying (at least one more attempt) without a line per attempt.
      await new Promise((r) => setTimeout(r, 2_500));
      assertEquals(agent.lines, [warning]);
      server = await startZooKeeper({ port });
      await waitFor("the agent to start", () => agent.lines.length > 1, 30_000);
      equal(agent.lines[1], "INFO Agent starting, cluster None, host None");
      const store = await connectZooKeeper(server.connect);
      try {
        assertEquals(await getProperties(store, "/hosts/0d0d0d0d0d0d"), {
          name: "host-d",
          version: null,
        });
      } finally {
        await store.close();
      }
      equal((await agent.stop()).code, 0);
    } finally {
      await agent.stop();
      await server?.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test(
  "agent start: a stop signal while it tries to connect ends it cleanly",
  options,
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "agent-load-" });
    const host = await RealHost.make(dir, "0e0e0e0e0e0e", "host-e", {});
    const agent = host.spawnAgent(["--store", `127.0.0.1:${freePort()}`, "--session-timeout", "1"]);
    try {
      await waitFor("a failure to be logged", () => agent.lines.length > 0);
      const { code } = await agent.stop();
      equal(code, 0);
      equal(agent.lines.at(-1), "INFO Agent stopping");
    } finally {
      await agent.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

/** Runs a tiny command through our CLI runner whose action leaves `thrown` uncaught. */
async function runThrowing(how: "reject" | "throw", thrown: string, verbose: boolean) {
  const dir = await Deno.makeTempDir({ prefix: "uncaught-" });
  try {
    const run = new URL("../../lib/cli/run.ts", import.meta.url).href;
    const script = `${dir}/main.ts`;
    await Deno.writeTextFile(
      script,
      `import { Command } from "commander";
import { runCli } from "${run}";
const command = new Command("thing").option("--verbose").action(async () => {
  ${how === "reject" ? `Promise.reject(${thrown});` : `setTimeout(() => { throw ${thrown}; }, 0);`}
  await new Promise((r) => setTimeout(r, 2000));
});
await runCli(command, Deno.args);
`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--quiet",
        `--config=${new URL("../../deno.json", import.meta.url).pathname}`,
        script,
        ...(verbose ? ["--verbose"] : []),
      ],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    return { code: out.code, stderr: new TextDecoder().decode(out.stderr).trim() };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("uncaught: a rejection with null says what failed, exit 1", async () => {
  assertEquals(await runThrowing("reject", "null", false), {
    code: 1,
    stderr: "error: unexpected failure: a failure with no error value (null)",
  });
});

Deno.test("uncaught: an exception thrown as null in a callback says what failed", async () => {
  const run = await runThrowing("throw", "null", true);
  assertEquals(run, {
    code: 1,
    stderr: "error: unexpected failure: a failure with no error value (null)\n" +
      "(no stack: the value thrown was null)",
  });
});

Deno.test("uncaught: --verbose logs the stack of an unhandled error", async () => {
  const run = await runThrowing("reject", 'new Error("socket gone")', true);
  equal(run.code, 1);
  match(run.stderr, /^error: unexpected failure: socket gone\nError: socket gone\n {4}at /);
});

Deno.test("connectWithRetry: failures logged at most once per period; other errors at once", async () => {
  const failing = (n: number, then: () => Promise<Store>) => {
    let calls = 0;
    return {
      calls: () => calls,
      open: () => {
        calls++;
        return calls <= n
          ? Promise.reject(new StoreError("CONNECTION", "cannot connect", "zk:1"))
          : then();
      },
    };
  };
  const store = { close: () => Promise.resolve() } as unknown as Store;
  const quiet = memoryLogger();
  const five = failing(5, () => Promise.resolve(store));
  const got = await connectWithRetry({
    open: five.open,
    what: "zk:1",
    logger: quiet,
    firstDelayMs: 1,
    maxDelayMs: 2,
  });
  equal(got, store);
  equal(five.calls(), 6);
  assertEquals(quiet.lines, ["WARNING Cannot connect to zk:1: cannot connect: zk:1; still trying"]);

  const chatty = memoryLogger();
  await connectWithRetry({
    open: failing(3, () => Promise.resolve(store)).open,
    what: "zk:1",
    logger: chatty,
    firstDelayMs: 1,
    maxDelayMs: 2,
    logEveryMs: 0,
  });
  equal(chatty.lines.length, 3);

  const bad = failing(0, () => Promise.reject(new StoreError("INVALID", "bad address")));
  await rejects(
    connectWithRetry({ open: bad.open, what: "x", logger: quiet, firstDelayMs: 1 }),
    { message: "bad address" },
  );
  equal(bad.calls(), 1);
});
