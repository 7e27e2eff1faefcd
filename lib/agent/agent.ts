/**
 * The agent: keeps this host at the cluster version. It registers the ephemeral node
 * `/hosts/<id>`, watches `/hosts` and, whenever the cluster version differs from the host's
 * (and is not `None` or `False`), deploys: reads this host's deployments, plans, executes,
 * then records the version. A failure stops the whole cluster (version `None`) and is
 * recorded on the host node.
 *
 * Reconnects: the store's watch re-reports `/hosts` after a reconnect or session expiry, so a
 * bump made meanwhile is seen; a version is only deployed when it differs from the one last
 * deployed, and a failed version is not retried until `/hosts` changes again.
 *
 * @module
 */
import { acquireMutex } from "../store/mutex.ts";
import type { Logger } from "../log.ts";
import type { Runner } from "../proc/types.ts";
import { HOSTS_PATH as HOSTS, sameVersion, showVersion } from "../sync/cluster_version.ts";
import { decodeProperties, encodeProperties } from "../tree/codec.ts";
import type { Properties, Value } from "../tree/model.ts";
import { type EphemeralHandle, type Store, StoreError } from "../store/types.ts";
import { updateProperties } from "../store/tree_io.ts";
import { CommandRunner } from "./command.ts";
import { type DesiredSource, IndexedSource } from "./desired.ts";
import { AbandonedError, executePlan } from "./execute.ts";
import {
  type HostIdentity,
  message,
  readHostVersion,
  readIdentity,
  writeHostVersion,
} from "./identity.ts";
import { scanInstalled } from "./installed.ts";
import type { PackageManager } from "./packages/types.ts";
import { planDeployment, type Step } from "./plan.ts";

/** How long to wait before retrying a deployment whose tree read failed for the connection. */
const RETRY_MS = 2_000;

/** What an agent needs. */
export interface AgentOptions {
  /** The cluster store. */
  store: Store;
  /** Runs commands. */
  runner: Runner;
  /** Where the agent logs. */
  logger: Logger;
  /** Root of every local path (`/` on a real host). */
  root: string;
  /** This host's name. */
  hostName: string;
  /** The package backend. */
  packages: PackageManager;
  /** Log the output of successful commands too. */
  verbose?: boolean;
  /** Kill any command running longer than this many milliseconds. */
  commandTimeoutMs?: number;
  /** Where the wanted deployments come from (default: the deployment index, else a walk). */
  source?: DesiredSource;
}

/** This host's plan for the current cluster version, for `--dry-run`. */
export interface HostPlan {
  /** Who the plan is for. */
  host: HostIdentity;
  /** The cluster version. */
  clusterVersion: Value;
  /** The version last deployed here. */
  hostVersion: Value;
  /** The steps. */
  steps: Step[];
}

/** Makes the plan for this host without changing anything (no host node, no commands). */
export async function planForHost(options: AgentOptions): Promise<HostPlan> {
  const host = await readIdentity(options.root, options.hostName);
  const hostVersion = await readHostVersion(options.root);
  const hosts = await options.store.get(HOSTS);
  const clusterVersion = hosts === null ? null : decodeProperties(hosts.data).version ?? null;
  const source = options.source ?? new IndexedSource(options.store, options.logger);
  const desired = await source.read(host);
  const steps = planDeployment(desired, await scanInstalled(options.root));
  return { host, clusterVersion, hostVersion, steps };
}

/** Where the agents' per-application locks live (`/agent-locks/cust,someapp,cms`). */
export const AGENT_LOCKS = "/agent-locks";

/** The lock of the app at `path`: its path without the leading `/`, each `/` written `,`. */
export function appLockPath(path: string): string {
  return `${AGENT_LOCKS}/${path.replace(/^\//, "").replaceAll("/", ",")}`;
}

/** A running agent. Make one with {@linkcode Agent.start}. */
export class Agent {
  /** Who this host is. */
  readonly host: HostIdentity;
  /** Log the output of successful commands too (may be changed while running). */
  verbose: boolean;
  readonly #o: AgentOptions;
  readonly #source: DesiredSource;
  readonly #handle: EphemeralHandle;
  #version: Value;
  #cluster: Value = null;
  #clusterStat = -1;
  #error: string | null = null;
  #failed?: { version: Value; stat: number };
  #pending = false;
  #running?: Promise<void>;
  #closed = false;
  #dirty = false;
  #allStopOwed = false;
  #unwatch?: () => void;
  #unstate?: () => void;
  #retryTimer?: ReturnType<typeof setTimeout>;

  private constructor(
    options: AgentOptions,
    host: HostIdentity,
    version: Value,
    handle: EphemeralHandle,
  ) {
    this.#o = options;
    this.host = host;
    this.#version = version;
    this.#handle = handle;
    this.verbose = options.verbose ?? false;
    this.#source = options.source ?? new IndexedSource(options.store, options.logger);
  }

  /**
   * Reads the identity and host version, registers `/hosts/<id>` (replacing a leftover
   * persistent node, whose version it takes) and logs `Agent starting, …`. Throws when the
   * host id cannot be read or another agent holds `/hosts/<id>`.
   */
  static async start(options: AgentOptions): Promise<Agent> {
    const { store, root } = options;
    const host = await readIdentity(root, options.hostName);
    let version = await readHostVersion(root);
    const path = `${HOSTS}/${host.id}`;
    if (await store.get(HOSTS) === null) {
      await store.create(HOSTS, "").catch((e) => {
        if (!(e instanceof StoreError && e.code === "NODE_EXISTS")) throw e;
      });
    }
    const existing = await store.get(path);
    if (existing?.ephemeral) {
      throw new Error(`Another agent is running for host ${host.id}: ${path} exists`);
    }
    if (existing !== null) {
      const legacy = decodeProperties(existing.data);
      if ("version" in legacy) version = legacy.version;
      await store.delete(path);
    }
    const handle = await store.ephemeral(path, encodeProperties(hostProperties(host, version)));
    const agent = new Agent(options, host, version, handle);
    const hosts = await store.get(HOSTS);
    agent.#observe(hosts?.data ?? "", hosts?.version ?? -1);
    options.logger.info(
      `Agent starting, cluster ${show(agent.#cluster)}, host ${show(version)}`,
    );
    return agent;
  }

  /** The version last deployed on this host. */
  get version(): Value {
    return this.#version;
  }

  /** The cluster version as last seen. */
  get clusterVersion(): Value {
    return this.#cluster;
  }

  /** The data version of `/hosts` as last seen (-1 before it exists); lets tests wait. */
  get observedHostsVersion(): number {
    return this.#clusterStat;
  }

  /**
   * Deploys now if the host is behind, then watches `/hosts` and deploys whenever needed, until
   * {@linkcode Agent.close}.
   */
  watch(): void {
    const { store } = this.#o;
    this.#unwatch = store.watch(HOSTS, (node) => {
      this.#observe(node?.data ?? "", node?.version ?? -1);
      this.#kick();
    });
    this.#unstate = store.onState((state) => {
      if (state !== "connected") return;
      if (this.#allStopOwed) void this.#allStop();
      if (this.#dirty) void this.#publish();
      this.#kick();
    });
    this.#kick();
  }

  /** Deploys once if the host is behind; false when that deployment failed. */
  async runOnce(): Promise<boolean> {
    await this.#maybeDeploy();
    return this.#failed === undefined;
  }

  /** Resolves when no deployment is running or due. */
  async settled(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  /** Stops watching, waits for a running deployment, removes `/hosts/<id>`. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    this.#unwatch?.();
    this.#unstate?.();
    await this.settled();
    await this.#handle.remove().catch((e) => {
      this.#o.logger.warning(`Could not remove ${this.#handle.path}: ${message(e)}`);
    });
  }

  #observe(data: string, stat: number) {
    const version = decodeProperties(data).version ?? null;
    this.#cluster = version;
    this.#clusterStat = stat;
  }

  #kick() {
    if (this.#closed) return;
    this.#pending = true;
    this.#running ??= this.#drain().finally(() => {
      this.#running = undefined;
      if (this.#pending) this.#kick();
    });
  }

  async #drain() {
    while (this.#pending && !this.#closed) {
      this.#pending = false;
      await this.#maybeDeploy();
    }
  }

  async #maybeDeploy() {
    const version = this.#cluster;
    const stat = this.#clusterStat;
    if (version === null || version === false || sameVersion(version, this.#version)) return;
    const failed = this.#failed;
    if (failed && sameVersion(failed.version, version) && failed.stat === stat) return;
    await this.#deploy(version, stat);
  }

  async #deploy(version: Value, stat: number) {
    const { logger, root } = this.#o;
    logger.info("=".repeat(60));
    logger.info(`Deploying version ${show(version)}`);
    try {
      const desired = await this.#source.read(this.host, { version, stat });
      const steps = planDeployment(desired, await scanInstalled(root));
      if (steps.length === 0) {
        for (const stage of ["got deployments", "remove old deployments", "update software"]) {
          logger.info(`DEBUG: ${stage}`);
        }
      }
      await executePlan(steps, {
        commands: new CommandRunner({
          runner: this.#o.runner,
          logger,
          root,
          verbose: this.verbose,
          timeoutMs: this.#o.commandTimeoutMs,
        }),
        logger,
        root,
        packages: this.#o.packages,
        shouldAbandon: () => this.#cluster === null,
        lockApp: (path) =>
          acquireMutex(this.#o.store, appLockPath(path), {
            owner: this.host.id,
            onWait: (holder) => logger.info(`Waiting for ${path}: host ${holder} is deploying it`),
          }),
      });
      await writeHostVersion(root, version);
      this.#version = version;
      this.#failed = undefined;
      this.#error = null;
      await this.#publish();
      logger.info(`Done deploying version ${show(version)}`);
    } catch (error) {
      if (error instanceof AbandonedError) {
        logger.warning(error.message);
      } else if (error instanceof StoreError && error.code === "CONNECTION") {
        logger.warning(
          `Could not read the cluster tree (${error.message}); will retry version ${show(version)}`,
        );
        clearTimeout(this.#retryTimer);
        this.#retryTimer = setTimeout(() => this.#kick(), RETRY_MS);
      } else if (!(error instanceof StoreError && error.code === "CLOSED" && this.#closed)) {
        await this.#fail(version, stat, error);
      }
    }
  }

  async #fail(version: Value, stat: number, error: unknown) {
    const { logger } = this.#o;
    const text = message(error);
    logger.error("deploying", { error: text });
    logger.raw(`${error instanceof Error ? error.name : "Error"}: ${text}`);
    logger.critical(`FAILED deploying version ${show(version)}`);
    this.#failed = { version, stat };
    this.#error = text;
    await this.#allStop();
    await this.#publish();
  }

  /** Sets the cluster version to None (ALL STOP); owed again after a reconnect if it fails. */
  async #allStop() {
    this.#allStopOwed = true;
    try {
      await updateProperties(this.#o.store, HOSTS, (p) => ({ ...p, version: null }));
      this.#allStopOwed = false;
    } catch (error) {
      this.#o.logger.error(`Could not set the cluster version to None: ${message(error)}`);
    }
  }

  /** Writes the host node's data; retried after a reconnect if it fails. */
  async #publish() {
    this.#dirty = true;
    const properties = hostProperties(this.host, this.#version);
    if (this.#error !== null) properties.error = this.#error;
    try {
      await this.#handle.update(encodeProperties(properties));
      this.#dirty = false;
    } catch (error) {
      this.#o.logger.warning(`Could not update ${this.#handle.path}: ${message(error)}`);
    }
  }
}

function hostProperties(host: HostIdentity, version: Value): Properties {
  const properties: Properties = { name: host.name, version };
  if (host.role !== null) properties.role = host.role;
  return properties;
}

function show(version: Value | undefined): string {
  return showVersion(version ?? null);
}
