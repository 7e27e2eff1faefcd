/**
 * The demo's handler part: a deploy event for the example compose application, fired on an
 * in-memory Consul ({@linkcode MemoryConsul}) and handled in test mode by the master node and
 * the slave node, each printing the commands and Consul writes it would make.
 *
 * @module
 */
import { EnvRunner } from "../proc/env_runner.ts";
import { handleBatch, type HandlerOptions } from "../handler/handle.ts";
import { MemoryConsul } from "../handler/memory_consul.ts";
import { memoryLogger } from "../log.ts";
import { RealRunner } from "../proc/real.ts";
import type { Runner, RunResult } from "../proc/types.ts";
import { appGitEnv, DEMO_APP_URL } from "./git.ts";

/** The demo's Consul cluster: two nodes. */
export const DEMO_MEMBERS: Readonly<Record<string, string>> = {
  node1: "10.0.0.1",
  node2: "10.0.0.2",
};

/** The sample event's payload: deploy the shop on node1, replicated to node2. */
export const DEMO_PAYLOAD = {
  repo: DEMO_APP_URL,
  branch: "master",
  master: "node1",
  slave: "node2",
};

/** What one node printed. */
export interface NodeTranscript {
  /** The node. */
  node: string;
  /** The handler's exit code for the batch. */
  code: number;
  /** The handler's log. */
  log: string[];
  /** The effects it would perform, one per line (commands, `METHOD URL` and bodies). */
  transcript: string[];
}

/** The handler part's outcome. */
export interface HandlerDemo {
  /** The event's ID (given by the in-memory Consul). */
  eventId: string;
  /** The batch as `consul watch` hands it to the handler (JSON text). */
  batch: string;
  /** Each node's transcript: master, then slave. */
  nodes: NodeTranscript[];
}

/** Runs nothing: test mode must not run commands; says so if it ever tries. */
class NoRunner implements Runner {
  run(argv: string[]): Promise<RunResult> {
    return Promise.resolve({
      argv,
      code: 126,
      stdout: "",
      stderr: "the demo runs the handler in test mode only; nothing is run\n",
      timedOut: false,
    });
  }
}

/**
 * Fires the sample deploy event on an in-memory Consul and lets each node handle it in test
 * mode, with deploy directories under `dir`. The application's URL is served from the demo's
 * repository under `dir/apps` (made by `makeAppRepository`).
 */
export async function runHandlerDemo(dir: string): Promise<HandlerDemo> {
  const consul = new MemoryConsul({ node: "node1", members: { ...DEMO_MEMBERS } });
  const eventId = await consul.fireEvent("deploy", JSON.stringify(DEMO_PAYLOAD));
  const batch = JSON.stringify(consul.events());
  const nodes: NodeTranscript[] = [];
  for (const node of [DEMO_PAYLOAD.master, DEMO_PAYLOAD.slave]) {
    const logger = memoryLogger();
    const transcript: string[] = [];
    const options: HandlerOptions = {
      consul,
      runner: new NoRunner(),
      checkoutRunner: new EnvRunner(new RealRunner(), appGitEnv(dir)),
      logger,
      deployDir: `${dir}/deploy/${node}`,
      node,
      test: true,
      print: (line) => transcript.push(...line.split("\n")),
      compose: ["docker", "compose"],
      lockWaitMs: 0,
      transferTimeoutMs: 0,
      pollMs: 100,
    };
    const code = await handleBatch(batch, options);
    nodes.push({ node, code, log: logger.lines, transcript });
  }
  consul.close();
  return { eventId, batch, nodes };
}
