/**
 * The deployment index meets the rest of the agent: a value the tree may not name, written by
 * another tool beside the synced files, is indexed by sync like anything else in the live tree,
 * and the agent that reads it from the index refuses it before running anything (the check it
 * makes on walked deployments); the persistent role locks (`/role-locks`) are neither walked
 * nor indexed.
 *
 * Covers: lib/agent/agent.ts, lib/agent/desired.ts, lib/agent/packages/yum.ts, lib/cluster/mod.ts,
 *   lib/log.ts, lib/store/recipe/keyed_index.ts, lib/store/tree_io.ts, lib/tree/parse.ts.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { Agent } from "../../lib/agent/agent.ts";
import { indexTexts } from "../../lib/cluster/mod.ts";
import { deploymentsByKey } from "../../lib/cluster/mod.ts";
import { TreeWalkSource } from "../../lib/agent/desired.ts";
import { YumPackageManager } from "../../lib/agent/packages/yum.ts";
import { memoryLogger } from "../../lib/log.ts";
import { parseHead, readIndexKeys } from "../../lib/store/recipe/keyed_index.ts";
import { getProperties, readTree, writeTree } from "../../lib/store/tree_io.ts";
import { parseTree } from "../../lib/tree/parse.ts";
import {
  fakeHostRunner,
  HOST_ID,
  HOST_NAME,
  makeSeedRoot,
} from "../support/harness/agent_fake_host.ts";
import { CountingStore } from "../support/harness/counting_store.ts";
import { makeRepo } from "../support/harness/git_repo.ts";
import { STORE_KINDS } from "../support/harness/stores.ts";
import { syncCommit } from "../support/harness/sync_run.ts";
import { type HostIdentity } from "../../lib/cluster/mod.ts";
import { DEPLOYMENT_INDEX } from "../../lib/cluster/mod.ts";

const options = { sanitizeOps: false, sanitizeResources: false };

const MINE = `/mine\n  /web : z4m cms\n    version = '1.0.0'\n    /deploy\n      /${HOST_ID}\n`;

Deno.test({
  name: "a bad value another tool wrote is indexed by sync and refused by the agent reading it",
  ...options,
  async fn() {
    const fixture = await STORE_KINDS.find((k) => k.name === "local")!.make();
    const work = await Deno.makeTempDir({ prefix: "clusterdeploy-index-checks-" });
    const root = await makeSeedRoot();
    try {
      const store = await fixture.open();
      try {
        // Another tool's top-level node, which no tree file names (sync neither checks nor
        // changes it, but indexes it with the rest of the live tree).
        const other = `/other\n  /app : ../../etc\n    version = '1.0'\n    /deploy\n` +
          `      /${HOST_ID}\n`;
        await writeTree(store, parseTree(other, "other.zk"));
        const repo = await makeRepo(work);
        await repo.write("mine.zk", MINE);
        await syncCommit(store, repo, work, "c1");
        const head = parseHead(await store.get(DEPLOYMENT_INDEX));
        ok(typeof head !== "string" && head.valid);
        const texts = await readIndexKeys(store, DEPLOYMENT_INDEX, head, [HOST_ID]);
        ok(typeof texts !== "string" && texts.get(HOST_ID)?.includes("../../etc"));

        const runner = fakeHostRunner(root, () => {});
        const logger = memoryLogger({ debug: true });
        const agent = await Agent.start({
          store,
          runner,
          logger,
          root,
          hostName: HOST_NAME,
          packages: new YumPackageManager(),
        });
        ok(!await agent.runOnce(), logger.lines.join("\n"));
        await agent.close();
        const log = logger.lines.join("\n");
        ok(log.includes("DEBUG Deployments from the deployment index"), log);
        ok(
          log.includes(`Refusing to deploy "/other/app": package name '../../etc' contains '..'`),
          log,
        );
        deepEqual(runner.calls, [], "nothing ran");
        equal((await getProperties(store, "/hosts"))?.version, null, "ALL STOP");
      } finally {
        await store.close();
      }
    } finally {
      await fixture.close();
      await Deno.remove(work, { recursive: true });
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test("the role locks hold no deployments: not keyed, whatever their names", () => {
  // A role named `deploy` puts a node named `deploy` under /role-locks, with the requests
  // (named like hosts could be) below it.
  const tree = parseTree(
    `/role-locks\n  /deploy\n    /lr-0000000000\n/app : z4m\n  version = '1'\n  /deploy\n` +
      `    /deploy\n`,
    "t.zk",
  );
  deepEqual([...deploymentsByKey(tree).keys()], ["deploy"]);
  deepEqual([...indexTexts(tree).keys()], ["deploy"]);
});

Deno.test({
  name: "the walk reads neither the role locks nor the deployment index",
  ...options,
  async fn() {
    const fixture = await STORE_KINDS.find((k) => k.name === "local")!.make();
    try {
      const inner = await fixture.open();
      const store = new CountingStore(inner);
      try {
        await writeTree(
          store,
          parseTree(
            `/role-locks\n  /web\n    /lr-0000000000\n/deployment-index\n  /1\n    /h1\n` +
              `/app : z4m\n  version = '1'\n  /deploy\n    /web\n`,
            "t.zk",
          ),
        );
        ok((await readTree(store, "/role-locks/web")).children.has("lr-0000000000"));
        store.reset();
        const host: HostIdentity = { id: "h1", name: "web1", role: "web" };
        const found = await new TreeWalkSource(store).read(host);
        deepEqual(found.map((d) => d.path), ["/app"]);
        const read = store.paths.filter((p) => /^\/(role-locks|deployment-index)(\/|$)/.test(p));
        deepEqual(read, []);
      } finally {
        await store.close();
      }
    } finally {
      await fixture.close();
    }
  },
});
