/**
 * The demo's agent part: each example host's plan (what the agent would do, as `agent
 * --dry-run` prints it), then one real agent run (`runOnce`) on a simulated host.
 *
 * @module
 */
import { Agent } from "../agent/agent.ts";
import { planForHost } from "../agent/bump.ts";
import type { AgentOptions } from "../agent/options.ts";
import { packageManager } from "../agent/packages/mod.ts";
import { describeStep, type Step } from "../agent/plan.ts";
import { memoryLogger } from "../log.ts";
import { RealRunner } from "../proc/real.ts";
import { readTree } from "../store/tree_io.ts";
import type { Store } from "../store/types.ts";
import { showVersion } from "../cluster/mod.ts";
import { formatTree } from "../tree/format.ts";
import { type DemoHost, makeHostRoot } from "./hosts.ts";
import {
  addPackage,
  makeSimulatedPackages,
  SimulatedHostRunner,
  type SimulatedPackages,
} from "./simulated_host.ts";
import { message } from "../error_message.ts";

/** One host's plan. */
export interface DemoPlan {
  /** The host. */
  host: DemoHost;
  /** Its root directory. */
  root: string;
  /** The plan's steps. */
  steps: Step[];
  /** The plan as printed: a header line, then one line per step. */
  lines: string[];
}

function agentOptions(store: Store, root: string, host: DemoHost, runner = new RealRunner()) {
  const options: AgentOptions = {
    store,
    runner,
    logger: memoryLogger(),
    root,
    hostName: host.name,
    packages: packageManager("yum"),
    commandTimeoutMs: 60_000,
  };
  return options;
}

/** Makes each host's root under `dir` and plans it against the store's tree. */
export async function planHosts(
  store: Store,
  dir: string,
  hosts: readonly DemoHost[],
): Promise<DemoPlan[]> {
  const plans: DemoPlan[] = [];
  for (const host of hosts) {
    const root = await makeHostRoot(dir, host);
    const plan = await planForHost(agentOptions(store, root, host));
    const header = `host ${host.id} (${host.name}${
      host.role === null ? "" : `, role ${host.role}`
    }): cluster version ${showVersion(plan.clusterVersion)}, host version ${
      showVersion(plan.hostVersion)
    }`;
    const steps = plan.steps.length === 0
      ? ["  nothing to do"]
      : plan.steps.map((s) => `  ${describeStep(s)}`);
    plans.push({ host, root, steps: plan.steps, lines: [header, ...steps] });
  }
  return plans;
}

/** What one agent run on the simulated host gave. */
export interface AgentRun {
  /** Whether the deployment succeeded. */
  ok: boolean;
  /** The agent's log, as it wrote it. */
  log: string[];
  /** The `/hosts` subtree (cluster version and this host's node) just after the run. */
  hostsNode: string[];
  /** Files the run left below the root (packages and deploy markers), relative to it. */
  files: string[];
}

/**
 * Runs the agent once for `plan`'s host on a simulated host: a simulated yum under `dir`
 * whose repository holds every package the plans need, real deploy scripts, the host's root.
 */
export async function runAgentOnce(
  store: Store,
  dir: string,
  plan: DemoPlan,
  plans: readonly DemoPlan[],
): Promise<AgentRun> {
  const packages = await makeSimulatedPackages(dir);
  await addPlannedPackages(packages, plans);
  const runner = new SimulatedHostRunner(new RealRunner(), plan.root, packages);
  const options = agentOptions(store, plan.root, plan.host, runner);
  const logger = options.logger as ReturnType<typeof memoryLogger>;
  let agent: Agent;
  try {
    agent = await Agent.start(options);
  } catch (error) {
    throw new Error(`The agent could not start on ${plan.host.name}: ${message(error)}`);
  }
  let ok: boolean;
  let hostsNode: string[];
  try {
    ok = await agent.runOnce();
    const tree = await readTree(store, "/");
    hostsNode = formatTree(tree, { path: "/hosts", ephemeral: true }).trimEnd().split("\n");
  } finally {
    await agent.close();
  }
  return { ok, log: logger.lines, hostsNode, files: await listFiles(plan.root, ["opt", "etc"]) };
}

async function addPlannedPackages(packages: SimulatedPackages, plans: readonly DemoPlan[]) {
  const seen = new Set<string>();
  for (const plan of plans) {
    for (const step of plan.steps) {
      if (step.kind !== "package" || step.version === null) continue;
      const key = `${step.pkg}-${step.version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      await addPackage(packages, step.pkg, step.version);
    }
  }
}

/** Files below `root`/`top` for each of `tops`, relative to `root`, sorted. */
async function listFiles(root: string, tops: string[]): Promise<string[]> {
  const files: string[] = [];
  const walk = async (relative: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(`${root}/${relative}`));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw error;
    }
    for (const entry of entries) {
      const path = `${relative}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else files.push(path);
    }
  };
  for (const top of tops) await walk(top);
  return files.sort();
}
