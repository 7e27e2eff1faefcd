/**
 * Running a plan's controller steps: `role-start` takes the persistent role lock
 * `/role-locks/<role>` (waiting its turn behind other hosts of the role), then runs
 * `starting-deployments /roles/<role>`; `role-end` runs `ending-deployments /roles/<role>` and
 * removes the lock request. A failure anywhere in between leaves the request in place, so the
 * role stays blocked until this host deploys successfully (it adopts its request then).
 *
 * Once `starting-deployments` has run, the deployment is under way: it is completed even when
 * the cluster version becomes None meanwhile (the host must not be left out of rotation).
 *
 * @module
 */
import type { Logger } from "../log.ts";
import { acquirePersistentLock, type PersistentLock } from "../store/recipe/mod.ts";
import type { Store } from "../store/types.ts";
import { type CommandRunner, local } from "./deploy_command.ts";
import { AbandonedError } from "./execute.ts";
import {
  controllerScript,
  type ControllerStep,
  roleLockPath,
  roleNodePath,
} from "./role_controller.ts";
import { type HostIdentity } from "../cluster/mod.ts";

/** What a {@linkcode ControllerRun} needs. */
export interface ControllerRunOptions {
  /** The cluster store (for the role lock). */
  store: Store;
  /** This host (its id is the lock requestor). */
  host: HostIdentity;
  /** For the waiting message. */
  logger: Logger;
  /**
   * True when the deployment must be abandoned (checked once the lock is held, so that a host
   * whose turn comes after a failure elsewhere reads the cluster version again).
   */
  shouldAbandon: () => boolean | Promise<boolean>;
  /** Told what the agent is waiting for (the status file). */
  onWait?: (what: string) => void;
  /** Stops waiting for the role lock (the agent is closing). */
  signal?: AbortSignal;
}

/** The controller part of one deployment. */
export class ControllerRun {
  readonly #o: ControllerRunOptions;
  #lock?: PersistentLock;
  #underway = false;

  /** Makes the run. */
  constructor(options: ControllerRunOptions) {
    this.#o = options;
  }

  /** Whether `starting-deployments` has been run: the deployment is then never abandoned. */
  get underway(): boolean {
    return this.#underway;
  }

  /** Runs one controller step. */
  run(step: ControllerStep, commands: CommandRunner): Promise<void> {
    return step.kind === "role-start" ? this.#start(step, commands) : this.#end(step, commands);
  }

  async #start(step: ControllerStep, commands: CommandRunner) {
    const { store, host, logger } = this.#o;
    const path = roleLockPath(step.role);
    const lock = await acquirePersistentLock(store, path, {
      hostname: host.name,
      requestor: host.id,
      signal: this.#o.signal,
      onWait: (holder) => {
        const who = holder.requestor ?? "?";
        logger.info(`Waiting for ${path}: host ${who} (${holder.hostname ?? "?"}) holds it`);
        this.#o.onWait?.(`waiting for ${path}`);
      },
    });
    if (await this.#o.shouldAbandon()) {
      // Nothing was started: give the turn back (an adopted request stays, as it was).
      if (!lock.adopted) await lock.release();
      throw new AbandonedError();
    }
    this.#lock = lock;
    this.#underway = true;
    await commands.run([
      local(controllerScript(step.pkg, "starting-deployments")),
      roleNodePath(step.role),
    ]);
  }

  async #end(step: ControllerStep, commands: CommandRunner) {
    await commands.run([
      local(controllerScript(step.pkg, "ending-deployments")),
      roleNodePath(step.role),
    ]);
    await this.#lock?.release();
    this.#lock = undefined;
  }
}
