/**
 * One agent per host id (issue 8, item 6): two agents started together for one host id — in one
 * process or as two processes, on both stores — never both run: registration is one atomic
 * create, and the loser is refused without touching the winner's node.
 *
 * Covers: lib/agent/agent.ts, lib/agent/status_file.ts, lib/store/tree_io.ts.
 */
import { deepEqual as assertEquals, equal } from "node:assert/strict";
import { Agent } from "../../lib/agent/agent.ts";
import { getProperties } from "../../lib/store/tree_io.ts";
import { defaultStatusFile, parseStatus } from "../../lib/agent/status_file.ts";
import { HOST_ID, makeSeedRoot } from "../support/harness/agent_fake_host.ts";
import { AgentBench } from "../support/harness/agent_harness.ts";
import { importTree } from "../support/harness/agent_cluster.ts";
import { RealHost } from "../support/harness/agent_real_host.ts";
import { STORE_KINDS } from "../support/harness/stores.ts";
import { waitFor } from "../support/harness/wait.ts";

const options = { sanitizeOps: false, sanitizeResources: false };
const REFUSED = `Another agent is running for host ${HOST_ID}: /hosts/${HOST_ID} exists`;

for (const kind of STORE_KINDS) {
  Deno.test(
    `one agent per host on ${kind.name}: two started together in one process, 10 times`,
    options,
    async () => {
      const fixture = await kind.make();
      const root = await makeSeedRoot();
      try {
        const control = await fixture.open();
        await importTree(control, "/hosts\n  version = 1\n");
        for (let trial = 0; trial < 10; trial++) {
          const benches = [
            new AgentBench(await fixture.open(), root),
            new AgentBench(await fixture.open(), root),
          ];
          const results = await Promise.allSettled(benches.map((b) => Agent.start(b.options())));
          const started = results.flatMap((r) => r.status === "fulfilled" ? [r.value] : []);
          const refused = results.flatMap((r) =>
            r.status === "rejected" ? [(r.reason as Error).message] : []
          );
          assertEquals([started.length, refused], [1, [REFUSED]], `trial ${trial}`);
          const node = await control.get(`/hosts/${HOST_ID}`);
          equal(node?.ephemeral, true);
          await started[0].close();
          await waitFor(
            "the host node to go",
            async () => await control.get(`/hosts/${HOST_ID}`) === null,
          );
        }
      } finally {
        await fixture.close();
        await Deno.remove(root, { recursive: true });
      }
    },
  );

  Deno.test(
    `one agent per host on ${kind.name}: two agent processes started together`,
    options,
    async () => {
      const fixture = await kind.make();
      const dir = await Deno.makeTempDir({ prefix: "agent-one-" });
      try {
        const control = await fixture.open();
        await importTree(control, "/hosts\n  version = 1\n");
        const host = await RealHost.make(dir, HOST_ID, "host42", {});
        for (let trial = 0; trial < 4; trial++) {
          const agents = [0, 1].map(() => host.spawnAgent(["--store", fixture.connect]));
          const exits = agents.map((a) => a.wait().then((r) => ({ agent: a, ...r })));
          const loser = await Promise.race(exits);
          equal(loser.code, 1, loser.agent.lines.join("\n"));
          assertEquals(loser.agent.lines, [`error: Agent cannot start: ${REFUSED}`]);
          const winner = agents.find((a) => a !== loser.agent)!;
          await waitFor("the winner to start", () => winner.lines.length > 0);
          equal(winner.lines[0].startsWith("INFO Agent starting, cluster 1, host "), true);
          equal((await control.get(`/hosts/${HOST_ID}`))?.ephemeral, true);
          await waitFor(
            "the winner at version 1",
            async () => (await getProperties(control, `/hosts/${HOST_ID}`))?.version === 1,
          );
          equal((await winner.stop()).code, 0);
        }
      } finally {
        await fixture.close();
        await Deno.remove(dir, { recursive: true });
      }
    },
  );
}

Deno.test(
  "a leftover persistent host node is adopted: its version is the host's, in the status file too",
  options,
  async () => {
    const kind = STORE_KINDS.find((k) => k.name === "local") ?? STORE_KINDS[0];
    const fixture = await kind.make();
    const root = await makeSeedRoot(); // its host_version file says 1
    try {
      const control = await fixture.open();
      await importTree(control, `/hosts\n  version = 7\n  /${HOST_ID}\n    version = 7\n`);
      const agent = await Agent.start(new AgentBench(await fixture.open(), root).options());
      try {
        equal(agent.version, 7);
        equal((await control.get(`/hosts/${HOST_ID}`))?.ephemeral, true);
        const file = defaultStatusFile(root);
        await waitFor("the status file", async () => {
          try {
            return parseStatus(await Deno.readTextFile(file), file).status === "done";
          } catch {
            return false;
          }
        });
        equal(parseStatus(await Deno.readTextFile(file), file).version, "7");
      } finally {
        await agent.close();
      }
    } finally {
      await fixture.close();
      await Deno.remove(root, { recursive: true });
    }
  },
);
