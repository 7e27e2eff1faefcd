/**
 * The agent: keeps this host at the cluster version. It registers the ephemeral node
 * `/hosts/<id>`, watches `/hosts` and, whenever the cluster version differs from the host's
 * (and is not `None` or `False`), deploys it: one bump at a time (`bump.ts`: reads this host's
 * deployments, plans, executes, then records the version). A failure stops the whole cluster
 * (version `None`) and is recorded on the host node.
 *
 * Reconnects: the store's watch re-reports `/hosts` after a reconnect or session expiry, so a
 * bump made meanwhile is seen; a version is only deployed when it differs from the one last
 * deployed, and a failed version is not retried until `/hosts` changes again.
 *
 * @module
 */
import { sameVersion, showVersion } from "../cluster/mod.ts";
import { decodeProperties } from "../tree/codec.ts";
import type { Value } from "../tree/model.ts";
import type { EphemeralHandle } from "../store/types.ts";
import { type BumpContext, type DeployState, deployVersion } from "./bump.ts";
import { registerHost } from "./register.ts";
import { hostProperties, HostReport } from "./host_report.ts";
import { OutcomeReport } from "./rollout_outcome.ts";
import { type DesiredSource, IndexedSource } from "./desired.ts";
import { readHostVersion, readIdentity, runDirectoryFile } from "./identity.ts";
import type { AgentOptions } from "./options.ts";
import { defaultStatusFile, StatusFile } from "./status_file.ts";
import { type HostIdentity } from "../cluster/mod.ts";
import { HOSTS_PATH as HOSTS } from "../cluster/mod.ts";

/** How long to wait before retrying a deployment whose tree read failed for the connection. */
const RETRY_MS = 2_000;

/** A running agent. Make one with {@linkcode Agent.start}. */
export class Agent {
  /** Who this host is. */
  readonly host: HostIdentity;
  /** Log the output of successful commands too (may be changed while running). */
  verbose: boolean;
  readonly #o: AgentOptions;
  readonly #source: DesiredSource;
  readonly #report: HostReport;
  readonly #outcomes: OutcomeReport;
  readonly #status: StatusFile;
  /** The version deployed here, the one that failed, the scripts run for one being retried. */
  readonly #state: DeployState;
  #cluster: Value = null;
  #clusterStat = -1;
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
    this.#state = { version };
    this.#report = new HostReport(options.store, options.logger, host, handle, version);
    this.#outcomes = new OutcomeReport(options.store, options.logger, host);
    this.verbose = options.verbose ?? false;
    this.#source = options.source ?? new IndexedSource(options.store, options.logger);
    const statusFile = options.statusFile !== undefined
      ? options.statusFile
      : options.config
      ? runDirectoryFile(options.config, "status")
      : defaultStatusFile(options.root);
    this.#status = new StatusFile(statusFile, options.logger);
  }

  /**
   * Reads the identity and host version, registers `/hosts/<id>` (see `register.ts`: one atomic
   * create; a leftover persistent node is adopted, with its version) and logs `Agent starting,
   * …`. Throws when the host id cannot be read or another agent holds `/hosts/<id>`.
   */
  static async start(options: AgentOptions): Promise<Agent> {
    const { store, root } = options;
    const host = await readIdentity(root, options.hostName, options.config);
    const version = await readHostVersion(root, options.config);
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
    return this.#state.version;
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
      this.#outcomes.retryOwed();
      this.#kick();
    });
    this.#kick();
  }

  /** Deploys once if the host is behind; false when that deployment failed. */
  async runOnce(): Promise<boolean> {
    await this.#maybeDeploy();
    return this.#state.failed === undefined;
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
    if (version === null || version === false || sameVersion(version, this.#state.version)) return;
    const failed = this.#state.failed;
    if (failed && sameVersion(failed.version, version) && failed.stat === stat) return;
    await deployVersion(this.#bumpContext(), version, stat);
  }

  /** What the next bump is given (`verbose` as it is at its start). */
  #bumpContext(): BumpContext {
    return {
      options: this.#o,
      host: this.host,
      verbose: this.verbose,
      source: this.#source,
      status: this.#status,
      report: this.#report,
      outcomes: this.#outcomes,
      state: this.#state,
      signal: this.#stopping.signal, // aborted by close() only
      clusterVersion: () => this.#cluster,
      retryLater: () => this.#retryLater(),
    };
  }

  /** After the connection was lost while deploying: tries again in `RETRY_MS`. */
  #retryLater() {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => this.#kick(), RETRY_MS);
  }
}

function show(version: Value | undefined): string {
  return showVersion(version ?? null);
}
