/**
 * The deployment index gives every host exactly what the walk gives it, errors included: for
 * every tree in testdata (tree files, the demo cluster, the trees the scenarios import) and for
 * seeded generated trees, for hosts named by every id/name/role combination, the plan from the
 * index (each key's text encoded, decoded, only the host's keys looked up) equals the plan from
 * the walk, and both equal the walk as it was before the index (the oracle).
 *
 * Covers: lib/agent/deployments.ts, lib/agent/plan.ts, lib/cluster/mod.ts, lib/sync/tree_files.ts,
 *   lib/tree/model.ts, lib/tree/parse.ts.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { decodeEntries, indexTexts } from "../../lib/cluster/mod.ts";
import { deploymentsByKey, hostKeys, selectDeployments } from "../../lib/cluster/mod.ts";
import { type Deployment, deploymentsForHost } from "../../lib/agent/deployments.ts";
import { describeStep, planDeployment } from "../../lib/agent/plan.ts";
import { listTreeFiles, readDesiredTree } from "../../lib/sync/tree_files.ts";
import { type TreeNode, TreeSyntaxError } from "../../lib/tree/model.ts";
import { parseTree } from "../../lib/tree/parse.ts";
import { generateTrees, generateVariedTrees, VARIED_KEYS } from "../../bench/tree_gen.ts";
import { referenceWalk } from "../support/harness/reference_walk.ts";
import { inputText, parseScenario } from "../support/harness/scenario.ts";
import { type HostIdentity } from "../../lib/cluster/mod.ts";

const TESTDATA = new URL("../../testdata/", import.meta.url).pathname;

/** What a host gets: its deployments and plan (from nothing installed), or the error. */
function outcome(deployments: () => Deployment[]): unknown {
  try {
    const found = deployments();
    const steps = planDeployment(found, { opts: new Map(), deployments: [] });
    return { found, steps: steps.map(describeStep) };
  } catch (error) {
    return { error: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

/** Hosts for every combination of the names the tree's deploy children use (and strangers). */
function hostsFor(tree: TreeNode): HostIdentity[] {
  const keys = [...deploymentsByKey(tree).keys(), "stranger"];
  const hosts: HostIdentity[] = [];
  keys.forEach((id, i) =>
    keys.forEach((name, j) => {
      hosts.push({ id, name, role: null });
      // A third of the roles for each id and name pair: every role meets every id and name.
      for (const [k, role] of keys.entries()) {
        if ((i + j + k) % 3 === 0) hosts.push({ id, name, role });
      }
    })
  );
  return hosts;
}

/** Checks every host of `tree`; returns the outcomes seen, for coverage checks. */
function checkTree(tree: TreeNode, where: string): unknown[] {
  const texts = indexTexts(tree);
  const outcomes: unknown[] = [];
  for (const host of hostsFor(tree)) {
    const wanted = hostKeys(host);
    const lists = new Map(
      wanted.flatMap((key) => texts.has(key) ? [[key, decodeEntries(texts.get(key)!)]] : []),
    );
    const fromIndex = outcome(() => selectDeployments((key) => lists.get(key), host));
    const fromWalk = outcome(() => deploymentsForHost(tree, host));
    const fromOracle = outcome(() => referenceWalk(tree, host));
    const who = `${where} for ${JSON.stringify(host)}`;
    deepEqual(fromWalk, fromOracle, `walk != walk before the index, ${who}`);
    deepEqual(fromIndex, fromWalk, `index != walk, ${who}`);
    outcomes.push(fromWalk);
  }
  return outcomes;
}

async function testdataTrees(): Promise<[string, TreeNode][]> {
  const trees: [string, TreeNode][] = [];
  for await (const entry of Deno.readDir(`${TESTDATA}trees`)) {
    if (!entry.name.endsWith(".zk")) continue;
    const file = `${TESTDATA}trees/${entry.name}`;
    trees.push([entry.name, parseTree(await Deno.readTextFile(file), entry.name)]);
  }
  const demo = `${TESTDATA}demo/cluster`;
  trees.push(["demo/cluster", await readDesiredTree(demo, await listTreeFiles(demo))]);
  for (const dir of ["agent", "sync"]) {
    for await (const entry of Deno.readDir(`${TESTDATA}${dir}`)) {
      if (!entry.name.endsWith(".scenario")) continue;
      const text = await Deno.readTextFile(`${TESTDATA}${dir}/${entry.name}`);
      for (const step of parseScenario(text)) {
        const [action, file = ""] = step.words;
        if (action !== "import" && !(action === "write" && file.endsWith(".zk"))) continue;
        const where = `${dir}/${entry.name}:${step.line}`;
        try {
          trees.push([where, parseTree(inputText(step), where)]);
        } catch (error) {
          if (!(error instanceof TreeSyntaxError)) throw error; // a scenario's bad file
        }
      }
    }
  }
  return trees.sort(([a], [b]) => a < b ? -1 : 1);
}

Deno.test("index equals walk: every tree in testdata, every host", async () => {
  const trees = await testdataTrees();
  ok(trees.length > 60, `only ${trees.length} trees found`);
  let withDeployments = 0;
  for (const [where, tree] of trees) {
    const outcomes = checkTree(tree, where);
    if (outcomes.some((o) => (o as { found?: unknown[] }).found?.length)) withDeployments++;
  }
  ok(withDeployments > 30, `only ${withDeployments} trees deploy anything`);
});

Deno.test("index equals walk: generated trees with every case, errors included", () => {
  const errors = new Set<string>();
  let deployed = 0;
  for (let seed = 1; seed <= 60; seed++) {
    const text = generateVariedTrees(seed, 1 + (seed % 6), seed % 4 !== 0);
    for (const result of checkTree(parseTree(text, `varied-${seed}.zk`), `varied seed ${seed}`)) {
      const error = (result as { error?: string }).error;
      if (error !== undefined) errors.add(error.replace(/^DeploymentError: (\S+ \S+).*$/s, "$1"));
      else deployed++;
    }
  }
  // The generated trees reach every error the walk knows, and plenty of hosts deploy.
  for (
    const kind of [
      "No type",
      "Invalid node",
      "No version",
      "Invalid version",
      "Invalid n",
      "Inconsistent versions",
      "Conflicting deployments",
      "Found a",
    ]
  ) ok(errors.has(kind), `no generated tree gave "${kind}…" (got ${[...errors].join(", ")})`);
  ok(deployed > 1000, `only ${deployed} hosts deployed`);
  equal(VARIED_KEYS.roles.includes("deploy"), true); // a role named like the deploy node
});

Deno.test("index equals walk: the benchmark trees", () => {
  for (const deployable of [false, true]) {
    const shape = { customers: 4, apps: 6, hosts: 3 };
    for (const [name, text] of generateTrees(shape, 0, { deployable, pool: 9 })) {
      checkTree(parseTree(text, name), `${name} deployable=${deployable}`);
    }
  }
});
