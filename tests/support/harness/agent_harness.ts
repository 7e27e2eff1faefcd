/**
 * An agent test bench in one process: a store, the seed's fake host (root + fake commands) and
 * one transcript holding the agent's log lines and the fake commands' echo lines in order, as
 * the seed's doctests show them.
 *
 * @module
 */
import { Agent } from "../../../lib/agent/agent.ts";
import type { AgentOptions } from "../../../lib/agent/options.ts";
import { YumPackageManager } from "../../../lib/agent/packages/yum.ts";
import { memoryLogger } from "../../../lib/log.ts";
import type { Store } from "../../../lib/store/types.ts";
import type { Value } from "../../../lib/tree/model.ts";
import { importTree, printTree, setClusterVersion } from "./agent_cluster.ts";
import { fakeHostRunner, HOST_NAME } from "./agent_fake_host.ts";
import { waitFor } from "./wait.ts";

/** A store, a fake host and (when started) an agent. */
export class AgentBench {
  /** The store the agent uses. */
  readonly store: Store;
  /** The store the test uses to change the cluster (default: the agent's). */
  readonly control: Store;
  /** The host root. */
  readonly root: string;
  /** The transcript. */
  readonly logger = memoryLogger();
  /** The fake commands. */
  readonly runner;
  /** The running agent, if any. */
  agent?: Agent;
  #taken = 0;

  /** Makes a bench on `store` with the host at `root`; the test changes the tree via `control`. */
  constructor(store: Store, root: string, control = store) {
    this.store = store;
    this.control = control;
    this.root = root;
    this.runner = fakeHostRunner(root, (line) => this.logger.lines.push(line), {
      otherHostFails: async () => {
        await setClusterVersion(this.control, null);
        const agent = this.agent;
        if (agent) await waitFor("the agent to see None", () => agent.clusterVersion === null);
      },
    });
  }

  /** The agent options for this bench. */
  options(extra: Partial<AgentOptions> = {}): AgentOptions {
    return {
      store: this.store,
      runner: this.runner,
      logger: this.logger,
      root: this.root,
      hostName: HOST_NAME,
      packages: new YumPackageManager(),
      ...extra,
    };
  }

  /** Starts a watching agent and waits until its start-up deployment (if any) is done. */
  async start(extra: Partial<AgentOptions> = {}): Promise<Agent> {
    const agent = await Agent.start(this.options(extra));
    this.agent = agent;
    agent.watch();
    await this.caughtUp();
    return agent;
  }

  /** Starts an agent in run-once mode: deploy if behind, then close. */
  async runOnce(): Promise<boolean> {
    const agent = await Agent.start(this.options());
    try {
      return await agent.runOnce();
    } finally {
      await agent.close();
    }
  }

  /** Closes the running agent. */
  async close(): Promise<void> {
    await this.agent?.close();
    this.agent = undefined;
  }

  /** Imports tree text with trim. */
  importTree(text: string): Promise<void> {
    return importTree(this.control, text);
  }

  /**
   * Sets the cluster version and waits until a running agent has handled it (with `wait`
   * false: only until it has seen it).
   */
  async setVersion(version: Value, { wait = true } = {}): Promise<string[]> {
    await setClusterVersion(this.control, version);
    await this.caughtUp({ settle: wait });
    return wait ? this.take() : [];
  }

  /** Prints `/hosts` (or `path`) with the host nodes. */
  print(path = "/hosts"): Promise<string> {
    return printTree(this.control, path);
  }

  /** The transcript lines since the last call. */
  take(): string[] {
    const lines = this.logger.lines.slice(this.#taken);
    this.#taken = this.logger.lines.length;
    return lines;
  }

  /** Waits until the running agent has seen `/hosts` as it is now and finished deploying. */
  async caughtUp({ settle = true } = {}): Promise<void> {
    const agent = this.agent;
    if (agent === undefined) return;
    const stat = (await this.control.get("/hosts"))?.version ?? -1;
    await waitFor("the agent to see /hosts", () => agent.observedHostsVersion >= stat);
    if (settle) await agent.settled();
  }
}
