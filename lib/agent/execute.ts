/**
 * Executing a deployment plan on this host: each step's commands through a
 * {@linkcode CommandRunner}, with the package verify-then-downgrade rule (yum exits 0 when it
 * fails, so every install is checked).
 *
 * @module
 */
import { exists, underRoot } from "../fs.ts";
import type { Logger } from "../log.ts";
import type { Deployment } from "./deployments.ts";
import { checkoutKind, deployScript, type InstalledDeployment, markerFile } from "./installed.ts";
import type { PackageManager } from "./packages/types.ts";
import { deployArgs, type Step } from "./plan.ts";
import { type CommandRunner, local } from "./deploy_command.ts";
import { svnInfoUrl, type VcsLocation } from "./vcs.ts";
import { removableEtcDir, removablePath } from "../tree/safe_values.ts";
import { showVersion } from "../cluster/mod.ts";
import type { Value } from "../tree/model.ts";
import type { ControllerStep } from "./role_controller.ts";

/** A package that is still not at the wanted version after install (and downgrade). */
export class InstallError extends Error {
  /** Makes the error. */
  constructor(message: string) {
    super(message);
    this.name = "InstallError";
  }
}

/**
 * Thrown when the deployment is abandoned because the cluster version became None (or another
 * version replaced the one being deployed).
 */
export class AbandonedError extends Error {
  /** Makes the error; `current` is the cluster version now (None by default). */
  constructor(current: Value = null) {
    super(
      current === null
        ? "Abandoning deployment because cluster version is None"
        : `Abandoning deployment because cluster version is now ${showVersion(current)}`,
    );
    this.name = "AbandonedError";
  }
}

/** What {@linkcode executePlan} needs. */
export interface ExecuteOptions {
  /** Runs and logs commands. */
  commands: CommandRunner;
  /** For messages that are not commands (`Removing checkout …`). */
  logger: Logger;
  /** The root every host path is below. */
  root: string;
  /** The package backend. */
  packages: PackageManager;
  /** Checked before each step: true abandons the deployment. */
  shouldAbandon?: () => boolean;
  /**
   * Runs each deploy script (`run`) of a deployment: the agent's app lock, version re-check and
   * failure ordering (see `app_guard.ts`); the script runs bare when undefined.
   */
  guardDeploy?: (d: Deployment, run: () => Promise<unknown>) => Promise<void>;
  /** Runs the role controller's steps (`role-start`, `role-end`): see `role_run.ts`. */
  controller?: { run(step: ControllerStep, commands: CommandRunner): Promise<void> };
  /** Told before each step runs (the status file). */
  onStep?: (step: Step) => void;
}

/** Runs `steps` in order; throws the first failure. */
export async function executePlan(steps: readonly Step[], options: ExecuteOptions): Promise<void> {
  const execution = new Execution(options);
  for (const step of steps) {
    if (options.shouldAbandon?.()) throw new AbandonedError();
    options.onStep?.(step);
    await execution.run(step);
  }
}

class Execution {
  readonly #o: ExecuteOptions;
  #refreshed = false;

  constructor(options: ExecuteOptions) {
    this.#o = options;
  }

  run(step: Step): Promise<void> {
    switch (step.kind) {
      case "undeploy":
        return this.#undeploy(step.deployment);
      case "package":
        return this.#package(step.pkg, step.version);
      case "checkout":
        return this.#checkout(step.pkg, step.location);
      case "deploy":
        return this.#deploy(step.deployment);
      case "remove-checkout":
        return this.#removeCheckout(step.pkg);
      case "remove-package":
        return this.#removePackage(step.pkg);
      case "remove-etc":
        return this.#removeEtc(step.app);
      case "role-start":
      case "role-end": {
        if (this.#o.controller === undefined) {
          throw new Error(`No role controller run for ${step.kind}`);
        }
        return this.#o.controller.run(step, this.#o.commands);
      }
    }
  }

  #path(path: string): string {
    return underRoot(this.#o.root, path);
  }

  async #undeploy(d: InstalledDeployment) {
    await this.#o.commands.run([local(deployScript(d.pkg)), ...deployArgs(d, true)]);
    for (const ext of ["deployed", "script"]) {
      const marker = removablePath(this.#o.root, markerFile(d.app, d.path, d.n, ext), d.app);
      await Deno.remove(marker).catch(() => {});
    }
  }

  async #deploy(d: Deployment) {
    await Deno.mkdir(this.#path(`/etc/${d.app}`), { recursive: true });
    const run = () => this.#o.commands.run([local(deployScript(d.pkg)), ...deployArgs(d)]);
    await (this.#o.guardDeploy ? this.#o.guardDeploy(d, run) : run());
    await Deno.writeTextFile(
      this.#path(markerFile(d.app, d.path, d.n, "script")),
      deployScript(d.pkg),
    );
  }

  /** The installed version of `pkg`: null without a query when `/opt/<pkg>` is absent or a checkout. */
  async #installed(pkg: string): Promise<string | null> {
    const dir = this.#path(`/opt/${pkg}`);
    if (!await exists(dir) || await checkoutKind(dir) !== null) return null;
    const { packages, commands } = this.#o;
    const result = await commands.run(packages.queryCommand(pkg), { check: false });
    return result.code === 0 ? packages.parseInstalled(pkg, result.stdout) : null;
  }

  async #package(pkg: string, version: string | null) {
    const ok = (installed: string | null) =>
      version === null ? installed !== null : installed === version;
    let installed = await this.#installed(pkg);
    if (ok(installed)) return;
    const dir = this.#path(`/opt/${pkg}`);
    if (await exists(dir) && await checkoutKind(dir) !== null) await this.#removeCheckout(pkg);
    const { packages, commands } = this.#o;
    if (!this.#refreshed) {
      await commands.run(packages.refreshCommand());
      this.#refreshed = true;
    }
    await commands.run(packages.installCommand(pkg, version));
    installed = await this.#installed(pkg);
    if (!ok(installed) && installed !== null && version !== null) {
      await commands.run(packages.downgradeCommand(pkg, version));
      installed = await this.#installed(pkg);
    }
    if (!ok(installed)) {
      const name = version === null ? pkg : `${pkg}-${version}`;
      throw new InstallError(`Failed to install ${name} (installed: ${installed ?? "None"})`);
    }
  }

  async #checkout(pkg: string, location: VcsLocation) {
    const { commands, logger } = this.#o;
    const opt = `/opt/${pkg}`;
    const dir = this.#path(opt);
    if (await exists(dir)) {
      const kind = await checkoutKind(dir);
      if (kind === null) {
        await this.#removePackage(pkg);
      } else if (kind !== location.kind) {
        await this.#removeCheckout(pkg);
      } else {
        const current = await this.#checkoutUrl(location.kind, opt);
        if (current !== location.url) {
          logger.info(`Removing conflicting checkout ${pkg} (${current} != ${location.url})`);
          await Deno.remove(removablePath(this.#o.root, opt), { recursive: true });
        }
      }
    }
    if (location.kind === "svn") {
      await commands.run(["svn", "co", location.url, local(opt)]);
    } else if (await exists(dir)) {
      await commands.run(["git", "-C", local(opt), "pull", "--ff-only"]);
    } else {
      await commands.run(["git", "clone", "--", location.url, local(opt)]);
    }
    logger.info(`Build ${pkg} (${location.url})`);
    await commands.run([local(`${opt}/stage-build`)], { cwd: opt });
    await commands.run(["chmod", "-R", "a+rX", "."], { cwd: opt });
  }

  async #checkoutUrl(kind: "svn" | "git", opt: string): Promise<string | null> {
    const { commands } = this.#o;
    if (kind === "svn") {
      return svnInfoUrl((await commands.run(["svn", "info", local(opt)])).stdout);
    }
    const result = await commands.run(["git", "-C", local(opt), "remote", "get-url", "origin"]);
    return result.stdout.trim();
  }

  async #removeCheckout(pkg: string) {
    this.#o.logger.info(`Removing checkout ${pkg}`);
    await Deno.remove(removablePath(this.#o.root, `/opt/${pkg}`), { recursive: true });
  }

  /** Removes `/etc/<app>` if empty; otherwise says so and goes on (the deployment succeeds). */
  async #removeEtc(app: string) {
    try {
      await Deno.remove(removableEtcDir(this.#o.root, app));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      const why = (error as { code?: string }).code === "ENOTEMPTY"
        ? "directory not empty"
        : (error as Error).message;
      this.#o.logger.error(`Removing /etc/${app}: ${why}`);
    }
  }

  async #removePackage(pkg: string) {
    await this.#o.commands.run(this.#o.packages.removeCommand(pkg));
    const dir = removablePath(this.#o.root, `/opt/${pkg}`);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
