/**
 * The demo (`clusterdeploy demo`): on a fresh machine, with no server and nothing installed but
 * git, it shows the whole chain in a temporary directory and prints what happened:
 *
 * 1. an example git repository of trees (testdata/demo/cluster);
 * 2. sync into the embedded store (`file:`);
 * 3. the resulting cluster tree;
 * 4. what the agent would do on three example hosts (one deployed by role);
 * 5. one real agent run on a simulated host (temp root, simulated yum, real deploy scripts):
 *    its log, the files it left and its `/hosts` node;
 * 6. an example compose application's git repository (testdata/demo/shop);
 * 7. the handler in test mode on a deploy event fired on an in-memory Consul, on the master
 *    and on the slave node;
 *
 * then commands to try next.
 *
 * @module
 */
import { createLogger, type Logger, memoryLogger } from "../log.ts";
import { RealRunner } from "../proc/real.ts";
import { openLocalStore } from "../store/embedded/mod.ts";
import { readTree } from "../store/tree_io.ts";
import type { Store } from "../store/types.ts";
import { syncRepository } from "../sync/sync.ts";
import { formatTree } from "../tree/format.ts";
import { type DemoPlan, planHosts, runAgentOnce } from "./agent_demo.ts";
import { makeAppRepository, makeTreeRepository } from "./git.ts";
import { runHandlerDemo } from "./handler_demo.ts";
import { AGENT_HOST, DEMO_HOSTS, hostRoot } from "./hosts.ts";
import { type Print, Report } from "./report.ts";
import { message } from "../error_message.ts";
import { INTERNAL_NODES } from "../cluster/mod.ts";

export type { Print } from "./report.ts";

/** Options of {@linkcode runDemo}. */
export interface DemoOptions {
  /** Work directory (created if needed); default: a new temporary directory. */
  dir?: string;
  /** Where the demo's output goes; default: standard output. */
  print?: Print;
  /** Where a failure of the demo itself is reported; default: standard error. */
  log?: Logger;
}

/** How the operator CLI is invoked in the suggestions printed at the end. */
const CLI = "deno run -A main.ts";

/** Runs the demo. Returns the exit code: 0 when every part went as expected, else 1. */
export async function runDemo(options: DemoOptions = {}): Promise<number> {
  const print = options.print ?? ((line: string) => console.log(line));
  const log = options.log ?? createLogger();
  let dir: string;
  try {
    dir = options.dir === undefined
      ? await Deno.makeTempDir({ prefix: "clusterdeploy-demo-" })
      : await emptyDir(options.dir);
  } catch (error) {
    log.error(message(error));
    return 1;
  }
  const report = new Report(print);
  report.raw(`== clusterdeploy demo, in ${dir}`);
  report.raw("   No server and nothing installed: an embedded store file, temporary roots for the");
  report.raw("   hosts, a simulated yum and an in-memory Consul, all in that directory.");
  const storePath = `${dir}/cluster-store.json`;
  try {
    const store = await openLocalStore(storePath);
    try {
      return await steps(report, dir, store, storePath, log);
    } finally {
      await store.close();
    }
  } catch (error) {
    log.critical(`The demo failed: ${message(error)}`);
    return 1;
  }
}

async function steps(
  report: Report,
  dir: string,
  store: Store,
  storePath: string,
  log: Logger,
): Promise<number> {
  const trees = await makeTreeRepository(dir);
  report.section(
    "An example git repository of trees",
    "The desired state of the cluster: *.zk files define nodes, *.zkx files are layered over them.",
  );
  report.line(`${trees.path} (commit ${trees.commit})`);
  report.lines(trees.files, "       ");

  report.section(
    `Sync into the embedded store (file:${storePath})`,
    "sync validates every file, writes the tree, then sets the cluster version to the commit.",
  );
  const syncLog = memoryLogger();
  const synced = await syncRepository({
    store,
    runner: new RealRunner(),
    log: syncLog,
    repoUrl: trees.path,
    treeDir: `${dir}/trees`,
  });
  report.lines(syncLog.lines);
  if (synced.exitCode !== 0) {
    log.error(`The demo's sync failed (${synced.status}); its log is above`);
    return synced.exitCode;
  }

  report.section(
    "The cluster tree",
    "What every agent reads: app nodes with a type, a version and /deploy children naming " +
      "hosts or roles.",
  );
  report.lines(
    formatTree(await readTree(store, "/"), { hidden: INTERNAL_NODES }).trimEnd().split("\n"),
  );

  const plans = await planHosts(store, dir, DEMO_HOSTS);
  report.section(
    "What the agent would do on each host (agent --dry-run)",
    "Install each package at its pinned version, then run each deployment's " +
      "/opt/<pkg>/bin/zookeeper-deploy script.",
  );
  for (const plan of plans) report.lines(plan.lines);

  let failed = false;
  const plan = plans.find((p) => p.host === AGENT_HOST) as DemoPlan;
  report.section(
    `The agent, once, on host ${plan.host.name} (root ${plan.root})`,
    "A real run with a simulated yum and real deploy scripts: the agent's log, the files it " +
      "left, and /hosts.",
  );
  const run = await runAgentOnce(store, dir, plan, plans);
  report.lines(run.log);
  report.line("");
  report.line(`files below ${plan.root}:`);
  report.lines(run.files, "       ");
  report.line("");
  report.line("/hosts during the run (the host node is ephemeral: it goes when the agent stops):");
  report.lines(run.hostsNode, "       ");
  if (!run.ok) {
    log.error(`The demo's agent run failed on ${plan.host.name}; its log is above`);
    failed = true;
  }

  const app = await makeAppRepository(dir);
  report.section(
    "An example compose application",
    "What the handler deploys: a git repository with a docker-compose.yml (two services, two " +
      "buttervolume volumes).",
  );
  report.line(`${app.path} (commit ${app.commit}), served as https://git.example.com/demo/shop`);
  report.lines(app.files, "       ");

  const handled = await runHandlerDemo(dir);
  report.section(
    "The handler in test mode on a deploy event (in-memory Consul)",
    "Each node prints every command and Consul write it would make, and performs none.",
  );
  report.line(`event deploy ${handled.eventId}: ${atobPayload(handled.batch)}`);
  for (const node of handled.nodes) {
    report.line("");
    report.line(`-- on ${node.node} (exit ${node.code}):`);
    report.lines(node.log.map((l) => `log: ${l}`), "       ");
    report.lines(node.transcript, "       ");
    if (node.code !== 0) {
      log.error(`The demo's handler run failed on ${node.node}; its log is above`);
      failed = true;
    }
  }

  tryNext(report, dir, storePath);
  return failed ? 1 : 0;
}

function tryNext(report: Report, dir: string, storePath: string) {
  const store = `--store file:${storePath}`;
  const ops = DEMO_HOSTS[1];
  const cache = DEMO_HOSTS[2];
  report.raw("");
  report.raw("== Try next (from the clusterdeploy checkout):");
  report.lines([
    `${CLI} status ${store}`,
    `${CLI} tree export ${store} /acme`,
    `${CLI} plan ${store} --host ${ops.id} --host-name ${ops.name} --root ${hostRoot(dir, ops)}`,
    `PATH=${dir}/bin:$PATH SIMULATED_YUM_REPO=${dir}/packages TEST_ROOT=${hostRoot(dir, cache)} \\`,
    `  ${CLI} agent ${store} --host-name ${cache.name} --run-once`,
    `${CLI} handler --help    # then, on a node with a Consul agent: handler deploy '<payload>' --test`,
    `rm -rf ${dir}    # when done`,
  ], "   ");
}

/** The payload of the batch's first event, decoded. */
function atobPayload(batch: string): string {
  const [event] = JSON.parse(batch) as Array<{ Payload?: string | null }>;
  const bytes = Uint8Array.from(atob(event?.Payload ?? ""), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** Creates `path` if needed and returns its real path; refuses a directory that is not empty. */
async function emptyDir(path: string): Promise<string> {
  await Deno.mkdir(path, { recursive: true });
  for await (const _ of Deno.readDir(path)) {
    throw new Error(
      `The demo needs an empty directory and ${path} is not empty: remove it, or give another ` +
        "--dir (without --dir the demo makes a new temporary directory)",
    );
  }
  return await Deno.realPath(path);
}
