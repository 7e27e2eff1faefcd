/**
 * One bump: this host's deployment of one cluster version. It reads this host's deployments,
 * plans, executes (under the role controller and the app guards), records the version (the
 * host_version file, the host node), then runs the after hook. A failure is reported
 * (`failure.ts`) and stops the whole cluster (ALL STOP, version `None`); after a lost connection
 * the agent is asked to try the version again. Also the same plan without changing anything, for
 * `--dry-run` ({@linkcode planForHost}).
 *
 * @module
 */
import { readClusterVersion, sameVersion, showVersion } from "../cluster/mod.ts";
import type { Value } from "../tree/model.ts";
import { isStoreError } from "../store/types.ts";
import { CompletedScripts, guardDeploy } from "./app_guard.ts";
import { CommandRunner } from "./deploy_command.ts";
import type { HostReport } from "./host_report.ts";
import type { OutcomeReport } from "./rollout_outcome.ts";
import { type DesiredSource, IndexedSource } from "./desired.ts";
import { AbandonedError, executePlan } from "./execute.ts";
import { checkDeployments } from "./check.ts";
import { type FailedPhase, reportFailure } from "./failure.ts";
import { readHostVersion, readIdentity, writeHostVersion } from "./identity.ts";
import type { AgentOptions } from "./options.ts";
import type { Step } from "./plan.ts";
import { runAfterHook } from "./after_hook.ts";
import { planHostSteps } from "./role_plan.ts";
import { ControllerRun } from "./role_run.ts";
import { type StatusFile, stepStatus } from "./status_file.ts";
import { type HostIdentity } from "../cluster/mod.ts";
import { message } from "../error_message.ts";
import { RolloutRun } from "./rollout.ts";

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
  const host = await readIdentity(options.root, options.hostName, options.config);
  const hostVersion = await readHostVersion(options.root, options.config);
  const cluster = await readClusterVersion(options.store);
  const source = options.source ?? new IndexedSource(options.store, options.logger);
  const desired = await source.read(host);
  checkDeployments(desired);
  const steps = await planHostSteps(options.store, options.root, host, desired);
  return { host, clusterVersion: cluster, hostVersion, steps };
}

/** What an agent keeps from one bump to the next; the bumps read and update it. */
export interface DeployState {
  /** The version last deployed on this host. */
  version: Value;
  /** The version that failed, at that data version of `/hosts`: not retried until it changes. */
  failed?: { version: Value; stat: number };
  /** The deploy scripts already run for a version, kept only while it is retried. */
  completed?: CompletedScripts;
}

/** What a bump needs of its agent. */
export interface BumpContext {
  /** The agent's options. */
  readonly options: AgentOptions;
  /** Who this host is. */
  readonly host: HostIdentity;
  /** Log the output of successful commands too. */
  readonly verbose: boolean;
  /** Where the wanted deployments come from. */
  readonly source: DesiredSource;
  /** The status file. */
  readonly status: StatusFile;
  /** This host's node and its ALL STOP. */
  readonly report: HostReport;
  /** This host's outcome for each rollout (`rollout_outcome.ts`), when recorded. */
  readonly outcomes?: OutcomeReport;
  /** What the agent keeps between bumps. */
  readonly state: DeployState;
  /**
   * Aborted when the agent closes: a deployment waiting for an app or role lock stops waiting,
   * and the store closed under it is no failure.
   */
  readonly signal: AbortSignal;
  /** The cluster version as the agent last saw it. */
  clusterVersion(): Value;
  /** Has the agent deploy again a little later (the connection was lost while deploying). */
  retryLater(): void;
}

/** Deploys cluster `version`, seen at data version `stat` of `/hosts`, on this host. */
export function deployVersion(context: BumpContext, version: Value, stat: number): Promise<void> {
  return new Bump(context, version, stat).run();
}

/** One bump in progress. */
class Bump {
  readonly #context: BumpContext;
  readonly #version: Value;
  readonly #stat: number;
  /** Whether this bump has made ALL STOP already. */
  #stopped = false;
  /** When it started, and its commands, for its rollout outcome. */
  readonly #started = new Date().toISOString();
  #commands?: CommandRunner;
  #recorded = false;

  constructor(context: BumpContext, version: Value, stat: number) {
    this.#context = context;
    this.#version = version;
    this.#stat = stat;
  }

  async run(): Promise<void> {
    const { options, host, state, status, signal } = this.#context;
    const { logger, root, store } = options;
    const version = this.#version;
    logger.info("=".repeat(60));
    logger.info(`Deploying version ${showVersion(version)}`);
    // Kept only while this version is retried after a connection failure.
    if (!sameVersion(state.completed?.version, version)) {
      state.completed = new CompletedScripts(version);
    }
    const completed = state.completed!;
    status.write(version, "reading deployments");
    const commands = new CommandRunner({
      runner: options.runner,
      logger,
      root,
      verbose: this.#context.verbose,
      timeoutMs: options.commandTimeoutMs,
    });
    this.#commands = commands;
    try {
      const desired = await this.#context.source.read(host, { version, stat: this.#stat });
      checkDeployments(desired); // values from the store, checked before anything is done
      const steps = await planHostSteps(store, root, host, desired);
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
        host,
        logger,
        shouldAbandon: async () =>
          this.#context.clusterVersion() === null || await readClusterVersion(store) === null,
        onWait: (what) => status.write(version, what),
        signal,
      });
      const rollout = new RolloutRun({
        ...options,
        hostId: host.id,
        version,
        clusterVersion: () => this.#context.clusterVersion(),
        sink: this.#context.report,
        signal,
      });
      await executePlan(steps, {
        commands,
        logger,
        root,
        packages: options.packages,
        shouldAbandon: () => this.#context.clusterVersion() === null && !roleRun.underway,
        guardDeploy: (d, run) =>
          guardDeploy(
            {
              store,
              logger,
              host,
              version,
              completed,
              stopCluster: (error) => this.#stopCluster(error),
              signal,
              // Under a role controller a deployment whose starting-deployments ran is
              // completed, never abandoned (the host is not left out of rotation).
              mayAbandon: () => !roleRun.underway,
              rollout,
            },
            d,
            run,
          ),
        controller: roleRun,
        onStep: (step) => status.write(version, stepStatus(step)),
      });
      await writeHostVersion(root, version, options.config);
      state.completed = undefined;
      state.version = version;
      state.failed = undefined;
      await this.#context.report.deployed(version);
      await this.#outcome("done");
      logger.info(`Done deploying version ${showVersion(version)}`);
      await this.#after(commands);
    } catch (error) {
      if (!(isStoreError(error, "CONNECTION"))) {
        state.completed = undefined;
      }
      if (error instanceof AbandonedError) {
        logger.warning(error.message);
        await this.#outcome("abandoned");
        await this.#after(commands);
      } else if (isStoreError(error, "CONNECTION")) {
        logger.warning(
          `Lost the connection while deploying (${error.message}); will retry version ` +
            `${showVersion(version)} (scripts already run for it are not run again)`,
        );
        this.#context.retryLater();
      } else if (!(isStoreError(error, "CLOSED") && signal.aborted)) {
        await this.#fail(error);
      }
    }
  }

  /** After a deployment done or abandoned: the after hook (if any), then status `done`. */
  async #after(commands: CommandRunner) {
    const { options, status, state } = this.#context;
    const after = options.after;
    if (after) {
      status.write(this.#version, "running after hook");
      try {
        await runAfterHook(after, commands, options.logger);
      } catch (error) {
        await this.#fail(error, "after");
        return;
      }
    }
    status.write(state.version, "done");
  }

  /** Reports the failure, remembers the failed version, and makes ALL STOP unless done. */
  async #fail(error: unknown, phase: FailedPhase = "deploying") {
    const { options, status, state } = this.#context;
    reportFailure(options.logger, status, this.#version, error, phase);
    state.failed = { version: this.#version, stat: this.#stat };
    if (!this.#stopped) await this.#stopCluster(error);
    await this.#outcome("failed", error);
  }

  /** Records this bump's outcome for its rollout (once: a later failure of the after hook too). */
  async #outcome(result: "done" | "failed" | "abandoned", error?: unknown) {
    const outcomes = this.#context.outcomes;
    if (outcomes === undefined || this.#recorded) return;
    this.#recorded = true;
    await outcomes.record(this.#stat, {
      started: this.#started,
      result,
      ...(error === undefined ? {} : { error: message(error) }),
      commands: this.#commands?.count ?? 0,
      ...(this.#stopped ? { allStop: true } : {}),
    });
  }

  /**
   * ALL STOP for `error` (see `host_report.ts`). Done before the app lock is left when a deploy
   * script fails (and at the latest in `#fail`).
   */
  async #stopCluster(error: unknown) {
    this.#stopped = true;
    await this.#context.report.stopCluster(error);
  }
}
