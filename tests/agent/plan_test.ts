/**
 * Planning a deployment without processes or a store: a tree and an installed state in, the
 * ordered steps out (as `--dry-run` prints them).
 *
 * Covers: lib/agent/deployments.ts, lib/agent/installed.ts, lib/agent/plan.ts, lib/cluster/mod.ts,
 *   lib/tree/parse.ts.
 */
import { deepEqual as assertEquals, throws } from "node:assert/strict";
import { type Deployment, deploymentsForHost } from "../../lib/agent/deployments.ts";
import type { InstalledState } from "../../lib/agent/installed.ts";
import { describeStep, planDeployment } from "../../lib/agent/plan.ts";
import { parseTree } from "../../lib/tree/parse.ts";
import { type HostIdentity } from "../../lib/cluster/mod.ts";

const HOST: HostIdentity = { id: "424242424242", name: "host42", role: null };

function desired(text: string, host = HOST): Deployment[] {
  return deploymentsForHost(parseTree(text, "plan.zk"), host);
}

function installed(
  opts: [pkg: string, checkout?: "svn" | "git"][],
  deployments: [pkg: string, path: string, n: number][] = [],
): InstalledState {
  return {
    opts: new Map(
      opts.map(([pkg, checkout]) => [pkg, { pkg, script: true, checkout: checkout ?? null }]),
    ),
    deployments: deployments.map(([pkg, path, n]) => ({
      app: pkg.replace(/-\d+(\.\d+)*$/, ""),
      pkg,
      path,
      n,
    })),
  };
}

function plan(text: string, state: InstalledState, host = HOST): string[] {
  return planDeployment(desired(text, host), state).map(describeStep);
}

Deno.test("plan: removals, packages (sorted), deploys (by path, n), unused packages", () => {
  const tree = `
/cust2
  /someapp
    /cms : z4m
      version = '2.0.0'
      /deploy
        /424242424242
          n = 2
/cust
  /someapp
    /cms : z4m-5.0.0
      /deploy
        /host42
    /cache : squid special
      version = 2
      /deploy
        /host42
        /353535353535
`;
  assertEquals(
    plan(
      tree,
      installed([["z4m"], ["z4mmonitor"], ["badapp", "svn"]], [
        ["z4mmonitor", "/cust/someapp/monitor", 0],
        ["z4m", "/cust2/someapp/cms", 0],
        ["z4m", "/cust2/someapp/cms", 3],
      ]),
    ),
    [
      "undeploy   /opt/z4m/bin/zookeeper-deploy -u /cust2/someapp/cms 3",
      "undeploy   /opt/z4mmonitor/bin/zookeeper-deploy -u /cust/someapp/monitor 0",
      "package    squid 2",
      "package    z4m 2.0.0",
      "package    z4m-5.0.0",
      "deploy     /opt/squid/bin/zookeeper-deploy -r special /cust/someapp/cache 0",
      "deploy     /opt/z4m-5.0.0/bin/zookeeper-deploy /cust/someapp/cms 0",
      "deploy     /opt/z4m/bin/zookeeper-deploy /cust2/someapp/cms 0",
      "deploy     /opt/z4m/bin/zookeeper-deploy /cust2/someapp/cms 1",
      "remove     checkout badapp",
      "remove     package z4mmonitor",
      "remove     /etc/z4mmonitor (when empty)",
    ],
  );
});

Deno.test("plan: VCS versions are checked out and built", () => {
  assertEquals(
    plan(
      `
/cust
  /rewriter : pywrite
    version = 'svn+ssh://svn.example.com/pywrite/trunk'
    /deploy
      /cache
  /proxy : gitproxy
    version = 'git+https://git.example.com/proxy.git'
    /deploy
      /cache
`,
      installed([]),
      { ...HOST, role: "cache" },
    ),
    [
      "checkout   gitproxy from git https://git.example.com/proxy.git, then build",
      "checkout   pywrite from svn svn+ssh://svn.example.com/pywrite/trunk, then build",
      "deploy     /opt/gitproxy/bin/zookeeper-deploy /cust/proxy 0",
      "deploy     /opt/pywrite/bin/zookeeper-deploy /cust/rewriter 0",
    ],
  );
});

Deno.test("plan: nothing wanted, nothing installed: no steps", () => {
  assertEquals(plan("/cust\n  /someapp\n", installed([])), []);
});

Deno.test("deployments: bad trees are errors naming where", () => {
  const app = (lines: string) => `/cust\n  /app : z4m\n${lines}`;
  throws(
    () => desired(app("    version = '1'\n    /deploy\n      /host42\n        n = 'x'\n")),
    {
      name: "DeploymentError",
      message: "Invalid n at /cust/app/deploy/host42: 'x' (expected a whole number)",
    },
  );
  throws(
    () => desired(app("    /deploy\n      /host42\n")),
    { message: "No version found for /cust/app" },
  );
  throws(
    () => desired("/cust\n  /app : a b c\n    version = '1'\n    /deploy\n      /host42\n"),
    { message: "Invalid node type at /cust/app: 'a b c'" },
  );
  throws(
    () =>
      planDeployment(
        desired(`
/a
  /app : z4m
    version = '1.0'
    /deploy
      /host42
/b
  /app : z4m
    version = 1.5
    /deploy
      /host42
`),
        installed([]),
      ),
    { message: "Inconsistent versions for z4m. 1.5 != '1.0'" },
  );
});

Deno.test("deployments: ids, names and roles", () => {
  const tree = `
/cust
  /byid : a
    version = '1'
    /deploy
      /424242424242
  /byname : b
    version = '1'
    /deploy
      /host42
  /byrole : c
    version = '1'
    /deploy
      /cache
  /other : d
    version = '1'
    /deploy
      /353535353535
`;
  assertEquals(desired(tree).map((d) => d.path), ["/cust/byid", "/cust/byname"]);
  throws(() => desired(tree, { ...HOST, role: "cache" }), {
    message:
      "Found a host-based deployment at /cust/byid/deploy/424242424242 but the host has a role, cache.",
  });
  assertEquals(
    desired(tree.replace(/\/424242424242|\/host42/g, "/x"), { ...HOST, role: "cache" })
      .map((d) => d.path),
    ["/cust/byrole"],
  );
});
