/**
 * `agent --config FILE` and `monitor --config FILE`: the reference's 1.0.0 agent configuration
 * (its configuration.txt replayed: continuation lines, comments, `file://` values and missing
 * resources, `after` split like a shell), `http://` values from a loopback server started here
 * (200, 404, 500), missing required options (exit 2, nothing registered), the run directory
 * holding `status` and `host_version`, and the values checked where they enter.
 *
 * Covers: lib/agent/config.ts, lib/agent/config_ini.ts, lib/agent/shell_words.ts,
 *   lib/agent/identity.ts, lib/agent/cli_run.ts, lib/operator/monitor.ts, agent.ts, main.ts.
 */
import { deepEqual, equal, rejects } from "node:assert/strict";
import { ConfigError, readAgentConfig } from "../../lib/agent/config.ts";
import { shellWords } from "../../lib/agent/shell_words.ts";
import { runAfterHook } from "../../lib/agent/after_hook.ts";
import { createLogger } from "../../lib/log.ts";
import { runEntrypoint } from "../support/harness/cli.ts";
import { withLocalBench } from "../support/harness/agent_local_bench.ts";

async function withDir<T>(test: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "agent-config-" });
  try {
    return await test(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Writes `lines` as `dir/agent.cfg` and reads it. */
async function config(dir: string, lines: string[]) {
  await Deno.writeTextFile(`${dir}/agent.cfg`, lines.join("\n") + "\n");
  return readAgentConfig(`${dir}/agent.cfg`);
}

const HEAD = ["[zkdeployment]", "host-id = app42.example.com", "run-directory = /var/run"];

Deno.test("config: the reference's minimal file, role, comments and other sections", async () => {
  await withDir(async (dir) => {
    const minimal = await config(dir, HEAD);
    deepEqual(
      [minimal.hostId, minimal.runDirectory, minimal.role, minimal.after],
      ["app42.example.com", "/var/run", null, null],
    );
    const full = await config(dir, [
      "# the agent",
      "; of host 42",
      "[other]",
      "host-id = not-this-one",
      "[zkdeployment]",
      "Host-Id: app42",
      "run-directory = /srv/run/ ; a comment",
      "# a comment line between options (indented, it would continue the value, as in the reference)",
      "role = stage",
      "[more]",
      "role = not-this-one",
    ]);
    deepEqual([full.hostId, full.runDirectory, full.role], ["app42", "/srv/run", "stage"]);
    equal((await config(dir, [...HEAD, "role ="])).role, null);
  });
});

Deno.test("config: after spans lines and is split like a shell (the reference's cases)", async () => {
  await withDir(async (dir) => {
    deepEqual((await config(dir, [...HEAD, "after = true"])).after, ["true"]);
    deepEqual(
      (await config(dir, [
        ...HEAD,
        "after = echo",
        "    'spoons are round' ",
        "",
        ` "just 'cuz they are " `,
      ])).after,
      ["echo", "spoons are round", "just 'cuz they are "],
    );
    deepEqual(
      (await config(dir, [...HEAD, "after = echo ' ", "    this is long text'"])).after,
      ["echo", "\nthis is long text"],
    );
    equal((await config(dir, [...HEAD, "after ="])).after, null);
    deepEqual(shellWords(`a\\ b "c\\"d" 'e\\f'`), ["a b", 'c"d', "e\\f"]);
    await rejects(config(dir, [...HEAD, "after = echo 'open"]), {
      message: "after: No closing quotation (')",
    });
  });
});

Deno.test("config: file:// values; a missing resource is an unset option", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/my-host-id.txt`, "app2345\n");
    await Deno.writeTextFile(`${dir}/what-am-i.txt`, "  customer.appserver\n");
    const lines = [
      "[zkdeployment]",
      `host-id = file://${dir}/my-host-id.txt`,
      "run-directory = /var/run",
      `role = file://${dir}/what-am-i.txt`,
    ];
    const read = await config(dir, lines);
    deepEqual([read.hostId, read.role], ["app2345", "customer.appserver"]);
    await Deno.remove(`${dir}/what-am-i.txt`);
    equal((await config(dir, lines)).role, null);
    await Deno.remove(`${dir}/my-host-id.txt`);
    await rejects(config(dir, lines), new ConfigError("host-id not specified"));
  });
});

Deno.test("config: http:// values from a server: 200 body, 404 unset, 500 an error", async () => {
  const bodies: Record<string, [number, string]> = {
    "/id": [200, "\n i-0abc123 \n"],
    "/role": [404, "no such thing"],
    "/broken": [500, "oops"],
  };
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (request) => {
      const [status, body] = bodies[new URL(request.url).pathname] ?? [404, ""];
      return new Response(body, { status });
    },
  );
  const base = `http://127.0.0.1:${server.addr.port}`;
  try {
    await withDir(async (dir) => {
      const lines = (role: string, id = `${base}/id`) => [
        "[zkdeployment]",
        `host-id = ${id}`,
        "run-directory = /var/run",
        `role = ${role}`,
      ];
      const read = await config(dir, lines(`${base}/role`));
      deepEqual([read.hostId, read.role], ["i-0abc123", null]);
      await rejects(config(dir, lines(`${base}/broken`)), {
        message: `role: cannot read ${base}/broken: HTTP status 500`,
      });
      await rejects(config(dir, lines("x", `${base}/missing`)), {
        message: "host-id not specified",
      });
      await rejects(config(dir, lines("ftp://example.com/role")), {
        message:
          "role: unsupported URL ftp://example.com/role (use file:///PATH, http:// or https://)",
      });
    });
  } finally {
    await server.shutdown();
  }
});

Deno.test("config: values that become paths or argv are checked where they enter", async () => {
  await withDir(async (dir) => {
    const bad = async (lines: string[], message: string) =>
      await rejects(config(dir, lines), { name: "ConfigError", message });
    await bad(["[zkdeployment]", "run-directory = /var/run"], "host-id not specified");
    await bad(["[zkdeployment]", "host-id = a"], "run-directory not specified");
    await bad(
      ["[zkdeployment]", "host-id = ../etc", "run-directory = /var/run"],
      "host-id: '../etc' cannot name a store node: '../etc' holds '/'",
    );
    await bad(
      [...HEAD, "role = .."],
      "role: '..' cannot name a store node: '..' is not a valid node name",
    );
    await bad(
      ["[zkdeployment]", "host-id = a", "run-directory = var/run"],
      "run-directory: 'var/run' is not an absolute path",
    );
    await bad(
      ["[zkdeployment]", "host-id = a", "run-directory = /var/../etc"],
      "run-directory: '/var/../etc' holds a '.' or '..' segment",
    );
    await bad([...HEAD, "after = -rf /"], "after: '-rf' is not a program");
    await bad(["host-id = a"], `${dir}/agent.cfg:1: an option before the first [section]`);
    await bad(
      ["[zkdeployment]", "what"],
      `${dir}/agent.cfg:2: not a [section], name = value or comment line`,
    );
    await rejects(readAgentConfig(`${dir}/none.cfg`), {
      message: `Cannot read the configuration file ${dir}/none.cfg: no such file`,
    });
  });
});

Deno.test("agent --config: a required option unset exits 2 before registering", async () => {
  await withLocalBench(async (bench, root, storeFile) => {
    await bench.importTree("/hosts\n  version = 1\n");
    const file = `${root}/agent.cfg`;
    await Deno.writeTextFile(file, "[zkdeployment]\nrun-directory = /var/run\n");
    const args = ["--store", `file:${storeFile}`, "--root", root, "--run-once", "--config", file];
    const run = await runEntrypoint("agent.ts", args);
    deepEqual([run.code, run.stdout, run.stderr], [2, "", "error: host-id not specified\n"]);
    equal(await bench.print(), "/hosts\n  version = 1\n");
  });
});

Deno.test("agent --config: identity and run directory from the file; monitor reads it too", async () => {
  await withLocalBench(async (bench, root, storeFile) => {
    await bench.importTree("/hosts\n  version = 2\n");
    const run = await Deno.makeTempDir({ prefix: "agent-run-" }); // absolute, not below --root
    const empty = await Deno.makeTempDir({ prefix: "agent-root-" });
    try {
      const file = `${run}/agent.cfg`;
      await Deno.writeTextFile(
        file,
        `[zkdeployment]\nhost-id = cfg-host\nrun-directory = ${run}\nrole =\n`,
      );
      // A root without identity files: they are not read.
      await Deno.mkdir(`${empty}/opt`);
      await Deno.mkdir(`${empty}/etc`);
      const out = await runEntrypoint("agent.ts", [
        "--store",
        `file:${storeFile}`,
        "--root",
        empty,
        "--run-once",
        "--config",
        file,
      ]);
      equal(out.code, 0, out.stderr);
      equal(await Deno.readTextFile(`${run}/host_version`), "2");
      equal((await Deno.readTextFile(`${run}/status`)).split(" ").slice(2).join(" "), "2 done\n");
      // In process, registered under the configured id, with its name; monitor finds it.
      await Deno.writeTextFile(`${root}/etc/zmh/pxemac`, "ab\0c\n");
      const config = await readAgentConfig(file);
      await bench.start({ config });
      equal(
        await bench.print(),
        "/hosts\n  version = 2\n  /cfg-host\n    name = 'host42'\n    version = 2\n",
      );
      const monitor = await runEntrypoint("main.ts", [
        "monitor",
        "--store",
        `file:${storeFile}`,
        "--config",
        file,
      ]);
      equal(monitor.stdout.split(" ").slice(0, 3).join(" "), "DEPLOY OK: done,", monitor.stdout);
      equal(monitor.code, 0);
    } finally {
      await Deno.remove(run, { recursive: true });
      await Deno.remove(empty, { recursive: true });
    }
  });
});

Deno.test("the after hook is checked again where it runs: no program, '-…', NUL", async () => {
  const ran: string[][] = [];
  const commands = {
    run: (argv: readonly string[]) => {
      ran.push([...argv]);
      return Promise.resolve({ argv: [...argv], code: 0, stdout: "", stderr: "", timedOut: false });
    },
  };
  const logger = createLogger({ sink: () => {} });
  for (
    const [argv, problem] of [
      [[], "no program"],
      [["-rf", "/"], "'-rf' is not a program"],
      [["echo", "a\0b"], "a word contains a NUL character"],
    ] as const
  ) {
    await rejects(runAfterHook(argv, commands, logger), {
      message: `The after hook cannot run: ${problem}`,
    });
  }
  await runAfterHook(["echo", "ok"], commands, logger);
  deepEqual(ran, [["echo", "ok"]]);
});
