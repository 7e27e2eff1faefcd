/**
 * Tree values written by another tool, hostile or broken, never reach outside their place: the
 * agent checks every deployment before acting (the rules sync applies at parse time), fails
 * with a clear error and stops the cluster (ALL STOP), runs no command, and touches nothing
 * outside its root — and a path it removes must lie under `<root>/opt/` or `<root>/etc/<app>/`.
 *
 * Covers: lib/tree/safe_values.ts.
 */
import { deepEqual, equal, match, throws } from "node:assert/strict";
import { removablePath, UnsafePathError } from "../../lib/tree/safe_values.ts";
import { AgentBench } from "../support/harness/agent_harness.ts";
import { HOST_ID } from "../support/harness/agent_fake_host.ts";
import { deploying, failed } from "../support/harness/agent_transcript.ts";
import { withLocalBench } from "../support/harness/agent_local_bench.ts";

/** A fresh bench; `victim` is a directory beside the root that nothing may touch. */
function withBench(test: (bench: AgentBench, victim: string) => Promise<void>) {
  return withLocalBench(async (bench, root) => {
    const victim = `${root}-victim`;
    await Deno.mkdir(victim);
    await Deno.writeTextFile(`${victim}/keep`, "precious");
    try {
      await test(bench, victim);
    } finally {
      await Deno.remove(victim, { recursive: true });
    }
  });
}

/** The app `/cust/app` (or `path`) deployed to this host with `type` and `version` lines. */
function tree(type: string, version: string, path = "/cust/app") {
  const [top, app] = path.slice(1).split("/");
  return `/hosts\n  version = 1\n/${top}\n  /${app} : ${type}\n    version = ${version}\n` +
    `    /deploy\n      /${HOST_ID}\n`;
}

const basename = (path: string) => path.slice(path.lastIndexOf("/") + 1);

const CASES: { name: string; type: (victim: string) => string; version: string; path?: string }[] =
  [
    {
      name: "a package name that climbs out of /opt (VCS version)",
      type: (v) => `../../${basename(v)}`,
      version: "'git+https://git.example.com/x.git'",
    },
    {
      name: "a package name that climbs out of /opt (package version)",
      type: (v) => `../../${basename(v)}`,
      version: "'1.0'",
    },
    { name: "an option-like package name", type: () => "--installroot=/tmp", version: "'1.0'" },
    { name: "an option-like subtype", type: () => "z4m -rf", version: "'1.0'" },
    { name: "an option-like version", type: () => "z4m", version: "'-1.0'" },
    {
      name: "a git URL that is an option",
      type: () => "pkg",
      version: "'git+--upload-pack=touch'",
    },
    { name: "an ext:: remote", type: () => "pkg", version: "'git+ext::sh'" },
    { name: "shell metacharacters in a version", type: () => "z4m", version: "'1.0;touch$IFS/x'" },
    { name: "a newline in a version", type: () => "z4m", version: "'1.0\\nINFO Done'" },
    { name: "shell metacharacters in a package name", type: () => "z4m$(x)", version: "'1'" },
    { name: "',' in a deployed node name", type: () => "z4m", version: "'1.0'", path: "/a,b/c" },
  ];

for (const c of CASES) {
  Deno.test(`hostile tree value, agent: ${c.name} → clear error, ALL STOP, nothing run`, async () => {
    await withBench(async (bench, victim) => {
      await bench.importTree(tree(c.type(victim), c.version, c.path));
      await bench.start();
      bench.take();
      const lines = await bench.setVersion(2);
      const [rule, deployingLine, error, detail, critical] = lines;
      deepEqual([rule, deployingLine, error, critical], [
        deploying(2)[0],
        deploying(2)[1],
        ...failed(2, "").filter((l) => l !== ""),
      ]);
      match(detail, /^DeploymentError: Refusing to deploy "\/[^"]+": .+/);
      equal(lines.length, 5, `no command ran:\n${lines.join("\n")}`);
      match(await bench.print(), /^\/hosts\n {2}version = None\n/);
      equal(await Deno.readTextFile(`${victim}/keep`), "precious");
      equal(await Deno.stat(`${bench.root}/opt/z4m/bin/zookeeper-deploy`).then(() => true), true);
    });
  });
}

Deno.test("a path the agent removes must lie under <root>/opt/ or <root>/etc/<app>/", () => {
  equal(removablePath("/r", "/opt/z4m"), "/r/opt/z4m");
  equal(removablePath("/r/", "/etc/z4m/a,b.0.deployed", "z4m"), "/r/etc/z4m/a,b.0.deployed");
  equal(removablePath("/", "/opt/z4m"), "/opt/z4m");
  for (
    const [path, app] of [
      ["/opt/../../victim", undefined],
      ["/opt/z4m/../..", undefined],
      ["/opt/", undefined],
      ["/opt/.", undefined],
      ["/etc/z4m/x", undefined],
      ["/etc/z4m/../zim/host_version", "z4m"],
      ["/etc/../x", "../.."],
      ["/etc/z4m", "z4m"],
    ] as const
  ) {
    throws(() => removablePath("/r", path, app), UnsafePathError, path);
  }
});
