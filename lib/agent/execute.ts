/**
 * Executing a deployment plan on this host: each step's commands through a
 * {@linkcode CommandRunner}, with the package verify-then-downgrade rule (yum exits 0 when it
 * fails, so every install is checked).
 *
 * @module
 */
import { exists } from "../fs.ts";
import type { Logger } from "../log.ts";
import type { Deployment } from "./deployments.ts";
import { underRoot } from "./identity.ts";
import { checkoutKind, deployScript, type InstalledDeployment, markerFile } from "./installed.ts";
import type { PackageManager } from "./packages/types.ts";
import { deployArgs, type Step } from "./plan.ts";
import { type CommandRunner, local } from "./command.ts";
import { svnInfoUrl, type VcsLocation } from "./vcs.ts";
import type { ControllerStep } from "./role_controller.ts";

/** A package that is still not at the wanted version after install (and downgrade). */
export class InstallError extends Error {
  /** Makes the error. */
  constructor(message: string) {
    super(message);
    this.name = "InstallError";
  }
}

/** Thrown when the deployment is abandoned because the cluster version became None. */
export class AbandonedError extends Error {
  /** Makes the error. */
  constructor() {
    super("Abandoning deployment because cluster version is None");
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
   * Held around each deploy script run of an app path, so that hosts deploy one app one at a
   * time (a rolling deployment); none when undefined.
   */
  lockApp?: (path: string) => Promise<{ release(): Promise<void> }>;
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
      await Deno.remove(this.#path(markerFile(d.app, d.path, d.n, ext))).catch(() => {});
    }
  }

  async #deploy(d: Deployment) {
    await Deno.mkdir(this.#path(`/etc/${d.app}`), { recursive: true });
    const lock = await this.#o.lockApp?.(d.path);
    try {
      await this.#o.commands.run([local(deployScript(d.pkg)), ...deployArgs(d)]);
    } finally {
      await lock?.release();
    }
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
          await Deno.remove(dir, { recursive: true });
        }
      }
    }
    if (location.kind === "svn") {
      await commands.run(["svn", "co", location.url, local(opt)]);
    } else if (await exists(dir)) {
      await commands.run(["git", "-C", local(opt), "pull", "--ff-only"]);
    } else {
      await commands.run(["git", "clone", location.url, local(opt)]);
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
    await Deno.remove(this.#path(`/opt/${pkg}`), { recursive: true });
  }

  async #removePackage(pkg: string) {
    await this.#o.commands.run(this.#o.packages.removeCommand(pkg));
    await Deno.remove(this.#path(`/opt/${pkg}`), { recursive: true }).catch(() => {});
  }
}
