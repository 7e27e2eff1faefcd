/**
 * Role controllers, planned (pure): where the controller's steps go in a plan, what happens to an
 * installed controller that is no longer wanted, and the checks on values from the tree and the
 * role file that become paths and argv.
 *
 * Covers: lib/agent/deployments.ts, lib/agent/installed.ts, lib/agent/plan.ts,
 *   lib/agent/role_controller.ts, lib/agent/role_plan.ts, lib/sync/tree_files.ts,
 *   lib/tree/model.ts, lib/tree/parse.ts.
 */
import { deepEqual, equal, rejects, throws } from "node:assert/strict";
import { DeploymentError } from "../../lib/agent/deployments.ts";
import type { InstalledState } from "../../lib/agent/installed.ts";
import { describeStep } from "../../lib/agent/plan.ts";
import { controllerFrom, controllerIn, roleLockPath } from "../../lib/agent/role_controller.ts";
import { planWithController } from "../../lib/agent/role_plan.ts";
import { readDesiredTree } from "../../lib/sync/tree_files.ts";
import { TreeSyntaxError } from "../../lib/tree/model.ts";
import { parseTree } from "../../lib/tree/parse.ts";

const NOTHING: InstalledState = { opts: new Map(), deployments: [] };
const RC = { role: "web", pkg: "lb-rc", version: "1.0", rawVersion: "1.0" };
const HOST = { id: "42", name: "host42", role: "web" };

function kinds(steps: ReturnType<typeof planWithController>) {
  return steps.map(describeStep);
}

Deno.test("controller steps surround the deploys; without deploys they still run", () => {
  // The reference (issue 17 item 1): starting-deployments runs right after the controller is
  // installed and verified, before any other package is installed.
  const desired = [{
    app: "z4m",
    subtype: null,
    pkg: "z4m",
    version: "2.0",
    rawVersion: "2.0",
    path: "/cust/cms",
    n: 0,
  }];
  deepEqual(kinds(planWithController(desired, NOTHING, RC, new Map())), [
    "package    lb-rc 1.0",
    "role-start take /role-locks/web, then /opt/lb-rc/bin/starting-deployments /roles/web",
    "package    z4m 2.0",
    "deploy     /opt/z4m/bin/zookeeper-deploy /cust/cms 0",
    "role-end   /opt/lb-rc/bin/ending-deployments /roles/web, then free /role-locks/web",
  ]);
  deepEqual(kinds(planWithController([], NOTHING, RC, new Map([["lb-rc", null]]))), [
    "package    lb-rc 1.0",
    "role-start take /role-locks/web, then /opt/lb-rc/bin/starting-deployments /roles/web",
    "role-end   /opt/lb-rc/bin/ending-deployments /roles/web, then free /role-locks/web",
  ]);
});

Deno.test("starting-deployments runs before old deployments are removed and packages change", () => {
  const installed: InstalledState = {
    opts: new Map([
      ["old", { pkg: "old", script: true, checkout: null }],
      ["lb-rc", { pkg: "lb-rc", script: false, checkout: null }],
    ]),
    deployments: [{ app: "old", pkg: "old", path: "/cust/old", n: 0 }],
  };
  const desired = ["b", "a"].map((pkg) => ({
    app: pkg,
    subtype: null,
    pkg,
    version: "2.0",
    rawVersion: "2.0",
    path: `/cust/${pkg}`,
    n: 0,
  }));
  deepEqual(kinds(planWithController(desired, installed, RC, new Map([["lb-rc", null]]))), [
    "package    lb-rc 1.0",
    "role-start take /role-locks/web, then /opt/lb-rc/bin/starting-deployments /roles/web",
    "undeploy   /opt/old/bin/zookeeper-deploy -u /cust/old 0",
    "package    a 2.0",
    "package    b 2.0",
    "deploy     /opt/a/bin/zookeeper-deploy /cust/a 0",
    "deploy     /opt/b/bin/zookeeper-deploy /cust/b 0",
    "role-end   /opt/lb-rc/bin/ending-deployments /roles/web, then free /role-locks/web",
    "remove     package old",
    "remove     /etc/old (when empty)",
  ]);
  // Without deploys, ending-deployments follows the last removal or installation.
  deepEqual(kinds(planWithController([], installed, RC, new Map([["lb-rc", null]]))), [
    "package    lb-rc 1.0",
    "role-start take /role-locks/web, then /opt/lb-rc/bin/starting-deployments /roles/web",
    "undeploy   /opt/old/bin/zookeeper-deploy -u /cust/old 0",
    "role-end   /opt/lb-rc/bin/ending-deployments /roles/web, then free /role-locks/web",
    "remove     package old",
    "remove     /etc/old (when empty)",
  ]);
});

Deno.test("an unwanted controller is removed first, and never by the ordinary clean-up", () => {
  // The installed controller is a checkout, which the ordinary plan would remove as unused.
  const installed: InstalledState = {
    opts: new Map([["old-rc", { pkg: "old-rc", script: false, checkout: "svn" }]]),
    deployments: [],
  };
  const controllers = new Map<string, "svn" | "git" | null>([["old-rc", "svn"]]);
  deepEqual(kinds(planWithController([], installed, RC, controllers)), [
    "remove     checkout old-rc",
    "package    lb-rc 1.0",
    "role-start take /role-locks/web, then /opt/lb-rc/bin/starting-deployments /roles/web",
    "role-end   /opt/lb-rc/bin/ending-deployments /roles/web, then free /role-locks/web",
  ]);
  deepEqual(kinds(planWithController([], installed, null, controllers)), [
    "remove     checkout old-rc",
  ]);
});

Deno.test("the controller comes from /roles/<role>; hosts without a role have none", () => {
  const tree = parseTree("/roles\n  /web : lb-rc\n    version = '1.0'\n", "t.zk");
  deepEqual(controllerIn(tree, HOST), RC);
  equal(controllerIn(tree, { ...HOST, role: null }), null);
  equal(controllerIn(tree, { ...HOST, role: "db" }), null);
  deepEqual(controllerFrom("web", "/roles/web", { type: "lb-rc-2.0" }).version, null);
});

Deno.test("bad controller types, versions and roles are errors that say where", () => {
  const bad = (properties: Record<string, string | number | null>, message: string) =>
    throws(
      () => controllerFrom("web", "/roles/web", properties),
      (e) => e instanceof DeploymentError && e.message === message,
    );
  bad({ version: "1" }, "No type for /roles/web (the role controller package)");
  bad({ type: "lb-rc" }, "No version found for /roles/web");
  bad(
    { type: "../../usr/bin/x", version: "1" },
    "Invalid role controller type at /roles/web: '../../usr/bin/x' (a package name)",
  );
  bad(
    { type: "-rf", version: "1" },
    "Invalid role controller type at /roles/web: '-rf' (a package name)",
  );
  for (const role of ["..", "a/b", "", "x y"]) {
    throws(() => roleLockPath(role), DeploymentError);
  }
});

Deno.test("sync refuses tree files that define /role-locks (it would delete kept requests)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/locks.zk`, "/role-locks\n  /web\n");
    await rejects(
      readDesiredTree(dir, { base: ["locks.zk"], layers: [] }),
      (e) =>
        e instanceof TreeSyntaxError &&
        e.message.includes("/role-locks is managed by clusterdeploy itself"),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a package that is both the controller and an app's is installed once, at one version", () => {
  const app = (version: string) => ({
    app: "lb-rc",
    subtype: null,
    pkg: "lb-rc",
    version,
    rawVersion: version,
    path: "/cust/lb",
    n: 0,
  });
  deepEqual(kinds(planWithController([app("1.0")], NOTHING, RC, new Map())), [
    "package    lb-rc 1.0",
    "role-start take /role-locks/web, then /opt/lb-rc/bin/starting-deployments /roles/web",
    "deploy     /opt/lb-rc/bin/zookeeper-deploy /cust/lb 0",
    "role-end   /opt/lb-rc/bin/ending-deployments /roles/web, then free /role-locks/web",
  ]);
  throws(
    () => planWithController([app("2.0")], NOTHING, RC, new Map()),
    (e) =>
      e instanceof DeploymentError &&
      e.message ===
        "Inconsistent versions for lb-rc. '1.0' != '2.0' (the role controller of web and /cust/lb)",
  );
  // An old controller that an app now uses is not removed.
  deepEqual(kinds(planWithController([app("1.0")], NOTHING, null, new Map([["lb-rc", null]]))), [
    "package    lb-rc 1.0",
    "deploy     /opt/lb-rc/bin/zookeeper-deploy /cust/lb 0",
  ]);
});
