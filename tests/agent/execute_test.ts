/**
 * Executing plans with other backends and VCS kinds than the seed's (on the fake runner):
 * git checkouts (clone, update, replace) and apt packages.
 *
 * Covers: lib/agent/deploy_command.ts, lib/agent/execute.ts, lib/agent/packages/mod.ts,
 *   lib/agent/plan.ts, lib/log.ts, lib/proc/fake.ts.
 */
import { deepEqual as assertEquals } from "node:assert/strict";
import { CommandRunner } from "../../lib/agent/deploy_command.ts";
import { executePlan } from "../../lib/agent/execute.ts";
import { packageManager } from "../../lib/agent/packages/mod.ts";
import type { Step } from "../../lib/agent/plan.ts";
import { memoryLogger } from "../../lib/log.ts";
import { FakeRunner } from "../../lib/proc/fake.ts";

async function run(root: string, runner: FakeRunner, steps: Step[], pm: "yum" | "apt" = "yum") {
  const logger = memoryLogger();
  const commands = new CommandRunner({ runner, logger, root, verbose: false });
  await executePlan(steps, { commands, logger, root, packages: packageManager(pm) });
  return logger.lines;
}

Deno.test("execute: git checkouts are cloned, pulled, and replaced when the URL changes", async () => {
  const root = await Deno.makeTempDir({ prefix: "agent-exec-" });
  let origin = "";
  const runner = new FakeRunner()
    .on(["git", "clone"], async (argv) => {
      origin = argv[3];
      await Deno.mkdir(`${argv[4]}/.git`, { recursive: true });
      return {};
    })
    .on((argv) => argv[0] === "git" && argv[3] === "remote", () => ({ stdout: `${origin}\n` }));
  const checkout = (url: string): Step[] => [
    { kind: "checkout", pkg: "proxy", location: { kind: "git", url } },
  ];
  const build = (url: string) => [
    `INFO Build proxy (${url})`,
    "INFO /opt/proxy/stage-build",
    "INFO chmod -R a+rX .",
  ];
  try {
    const one = "https://git.example.com/proxy.git";
    assertEquals(await run(root, runner, checkout(one)), [
      `INFO git clone -- ${one} /opt/proxy`,
      ...build(one),
    ]);
    assertEquals(await run(root, runner, checkout(one)), [
      "INFO git -C /opt/proxy remote get-url origin",
      "INFO git -C /opt/proxy pull --ff-only",
      ...build(one),
    ]);
    const two = "https://git.example.com/proxy2.git";
    assertEquals(await run(root, runner, checkout(two)), [
      "INFO git -C /opt/proxy remote get-url origin",
      `INFO Removing conflicting checkout proxy (${one} != ${two})`,
      `INFO git clone -- ${two} /opt/proxy`,
      ...build(two),
    ]);
    assertEquals(
      runner.calls.filter((c) => c.argv[0].endsWith("stage-build")).map((c) => c.options.cwd),
      [`${root}/opt/proxy`, `${root}/opt/proxy`, `${root}/opt/proxy`],
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("execute: apt installs pkg=version and verifies with dpkg-query", async () => {
  const root = await Deno.makeTempDir({ prefix: "agent-exec-" });
  const runner = new FakeRunner()
    .on(["apt-get", "install"], async () => {
      await Deno.mkdir(`${root}/opt/squid/bin`, { recursive: true });
      return {};
    })
    .on(["dpkg-query"], () => ({ stdout: "install ok installed 2.0-1\n" }));
  try {
    assertEquals(
      await run(root, runner, [{ kind: "package", pkg: "squid", version: "2.0-1" }], "apt"),
      [
        "INFO apt-get update",
        "INFO apt-get install -y -- squid=2.0-1",
        "INFO dpkg-query -W -f '${Status} ${Version}\\n' -- squid",
      ],
    );
    assertEquals(
      await run(root, runner, [{ kind: "remove-package", pkg: "squid" }], "apt"),
      ["INFO apt-get remove -y -- squid"],
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
