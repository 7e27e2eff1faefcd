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
import type { Logger } from "../log.ts";
import type { Runner } from "../proc/types.ts";
import { readClusterVersion, sameVersion, showVersion } from "../cluster/mod.ts";
import { decodeProperties } from "../tree/codec.ts";
import type { Value } from "../tree/model.ts";
import { type EphemeralHandle, isStoreError, type Store } from "../store/types.ts";
import { CompletedScripts, guardDeploy } from "./app_guard.ts";
import { CommandRunner } from "./deploy_command.ts";
import { registerHost } from "./register.ts";
import { hostProperties, HostReport } from "./host_report.ts";
import { type DesiredSource, IndexedSource } from "./desired.ts";
import { AbandonedError, executePlan } from "./execute.ts";
import { checkDeployments } from "./check.ts";
import { readHostVersion, readIdentity, writeHostVersion } from "./identity.ts";
import type { PackageManager } from "./packages/types.ts";
import type { Step } from "./plan.ts";
import { runAfterHook } from "./after_hook.ts";
import { planHostSteps } from "./role_plan.ts";
import { ControllerRun } from "./role_run.ts";
import { defaultStatusFile, StatusFile, stepStatus } from "./status_file.ts";
import { type HostIdentity } from "../cluster/mod.ts";
import { message } from "../error_message.ts";
import { HOSTS_PATH as HOSTS } from "../cluster/mod.ts";

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
  /** The after-deployment hook's argv (`--after`), or none. */
  after?: readonly string[] | null;
  /** The status file (default `<root>/etc/zim/status`; null for none). */
  statusFile?: string | null;
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
  const cluster = await readClusterVersion(options.store);
  const source = options.source ?? new IndexedSource(options.store, options.logger);
  const desired = await source.read(host);
  checkDeployments(desired);
  const steps = await planHostSteps(options.store, options.root, host, desired);
  return { host, clusterVersion: cluster, hostVersion, steps };
}

/** A running agent. Make one with {@linkcode Agent.start}. */
export class Agent {
  /** Who this host is. */
  readonly host: HostIdentity;
  /** Log the output of successful commands too (may be changed while running). */
  verbose: boolean;
  readonly #o: AgentOptions;
  readonly #source: DesiredSource;
  readonly #report: HostReport;
  readonly #status: StatusFile;
  #version: Value;
  #cluster: Value = null;
  #clusterStat = -1;
  #failed?: { version: Value; stat: number };
  #completed?: CompletedScripts;
  #stopped = false;
  #pending = false;
  #running?: Promise<void>;
  #closed = false;
  readonly #stopping = new AbortController();
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
    this.#report = new HostReport(options.store, options.logger, host, handle, version);
    this.verbose = options.verbose ?? false;
    this.#source = options.source ?? new IndexedSource(options.store, options.logger);
    const statusFile = options.statusFile === undefined
      ? defaultStatusFile(options.root)
      : options.statusFile;
    this.#status = new StatusFile(statusFile, options.logger);
  }

  /**
   * Reads the identity and host version, registers `/hosts/<id>` (see `register.ts`: one atomic
   * create; a leftover persistent node is adopted, with its version) and logs `Agent starting,
   * …`. Throws when the host id cannot be read or another agent holds `/hosts/<id>`.
   */
  static async start(options: AgentOptions): Promise<Agent> {
    const { store, root } = options;
    const host = await readIdentity(root, options.hostName);
    const version = await readHostVersion(root);
    const registered = await registerHost(store, host, version, hostProperties);
    const agent = new Agent(options, host, registered.version, registered.handle);
    const hosts = await store.get(HOSTS, { dataOnly: true });
    agent.#observe(hosts?.data ?? "", hosts?.version ?? -1);
    options.logger.info(
      `Agent starting, cluster ${show(agent.#cluster)}, host ${show(registered.version)}`,
    );
    agent.#status.write(registered.version, "done");
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
    // Data only: the version and its data version are all the agent needs of `/hosts`, not
    // the list of every host's node.
    this.#unwatch = store.watch(HOSTS, (node) => {
      this.#observe(node?.data ?? "", node?.version ?? -1);
      this.#kick();
    }, { dataOnly: true });
    this.#unstate = store.onState((state) => {
      if (state !== "connected") return;
      this.#report.retryOwed();
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

  /**
   * Stops watching, waits for a running deployment (one waiting for an app lock stops waiting),
   * removes `/hosts/<id>`.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#stopping.abort(); // a deployment waiting for an app or role lock stops waiting
    clearTimeout(this.#retryTimer);
    this.#unwatch?.();
    this.#unstate?.();
    await this.settled();
    await this.#report.remove();
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
    const { logger, root, store } = this.#o;
    logger.info("=".repeat(60));
    logger.info(`Deploying version ${show(version)}`);
    // Kept only while this version is retried after a connection failure.
    if (!sameVersion(this.#completed?.version, version)) {
      this.#completed = new CompletedScripts(version);
    }
    const completed = this.#completed!;
    this.#stopped = false;
    this.#status.write(version, "reading deployments");
    const commands = new CommandRunner({
      runner: this.#o.runner,
      logger,
      root,
      verbose: this.verbose,
      timeoutMs: this.#o.commandTimeoutMs,
    });
    try {
      const desired = await this.#source.read(this.host, { version, stat });
      checkDeployments(desired); // values from the store, checked before anything is done
      const steps = await planHostSteps(store, root, this.host, desired);
      if (steps.length === 0) {
        for (const stage of ["got deployments", "remove old deployments", "update software"]) {
          logger.info(`DEBUG: ${stage}`);
        }
      }
      // Role controller: hosts of the role deploy one at a time under the role lock (app locks are
      // taken inside it too), and a deployment whose starting-deployments ran is completed, never
      // abandoned.
      const roleRun = new ControllerRun({
        store,
        host: this.host,
        logger,
        shouldAbandon: async () =>
          this.#cluster === null || await readClusterVersion(store) === null,
        onWait: (what) => this.#status.write(version, what),
        signal: this.#stopping.signal,
      });
      await executePlan(steps, {
        commands,
        logger,
        root,
        packages: this.#o.packages,
        shouldAbandon: () => this.#cluster === null && !roleRun.underway,
        guardDeploy: (d, run) =>
          guardDeploy(
            {
              store,
              logger,
              host: this.host,
              version,
              completed,
              stopCluster: (error) => this.#stopCluster(error),
              signal: this.#stopping.signal,
              // Under a role controller a deployment whose starting-deployments ran is
              // completed, never abandoned (the host is not left out of rotation).
              mayAbandon: () => !roleRun.underway,
            },
            d,
            run,
          ),
        controller: roleRun,
        onStep: (step) => this.#status.write(version, stepStatus(step)),
      });
      await writeHostVersion(root, version);
      this.#completed = undefined;
      this.#version = version;
      this.#failed = undefined;
      await this.#report.deployed(version);
      logger.info(`Done deploying version ${show(version)}`);
      await this.#after(version, stat, commands);
    } catch (error) {
      if (!(isStoreError(error, "CONNECTION"))) {
        this.#completed = undefined;
      }
      if (error instanceof AbandonedError) {
        logger.warning(error.message);
        await this.#after(version, stat, commands);
      } else if (isStoreError(error, "CONNECTION")) {
        logger.warning(
          `Lost the connection while deploying (${error.message}); will retry version ` +
            `${show(version)} (scripts already run for it are not run again)`,
        );
        clearTimeout(this.#retryTimer);
        this.#retryTimer = setTimeout(() => this.#kick(), RETRY_MS);
      } else if (!(isStoreError(error, "CLOSED") && this.#closed)) {
        await this.#fail(version, stat, error);
      }
    }
  }

  /** After a deployment done or abandoned: the after hook (if any), then status `done`. */
  async #after(version: Value, stat: number, commands: CommandRunner) {
    const after = this.#o.after;
    if (after) {
      this.#status.write(version, "running after hook");
      try {
        await runAfterHook(after, commands, this.#o.logger);
      } catch (error) {
        await this.#fail(version, stat, error, "after");
        return;
      }
    }
    this.#status.write(this.#version, "done");
  }

  async #fail(version: Value, stat: number, error: unknown, phase = "deploying") {
    const { logger } = this.#o;
    const text = message(error);
    logger.error(phase, { error: text });
    logger.raw(`${error instanceof Error ? error.name : "Error"}: ${text}`);
    const what = phase === "after" ? "after deploying" : phase;
    logger.critical(`FAILED ${what} version ${show(version)}`);
    this.#status.write(version, `error ${text}`);
    this.#failed = { version, stat };
    if (!this.#stopped) await this.#stopCluster(error);
  }

  /**
   * ALL STOP for `error` (see `host_report.ts`). Done before the app lock is left when a deploy
   * script fails (and at the latest in `#fail`).
   */
  async #stopCluster(error: unknown) {
    this.#stopped = true;
    await this.#report.stopCluster(error);
  }
}

function show(version: Value | undefined): string {
  return showVersion(version ?? null);
}
