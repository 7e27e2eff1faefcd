/**
 * A simulated host for the demo: the agent runs for real (real processes, real files) but in a
 * temporary root, with a simulated package manager.
 *
 * - `<dir>/bin/yum` is the simulated yum (testdata/demo/simulated-yum.sh): it installs a
 *   package by copying `<dir>/packages/<name>/<version>/` to `<root>/opt/<name>`.
 * - Every package holds the demo's deploy script (testdata/demo/zookeeper-deploy.sh), which
 *   writes and removes its marker files below the root.
 * - {@linkcode SimulatedHostRunner} runs the agent's commands: `yum` becomes the simulated one,
 *   `TEST_ROOT` and `SIMULATED_YUM_REPO` are set, and anything that is neither yum nor a program
 *   below the root is refused, so the demo never touches the real machine.
 *
 * @module
 */
import { type Runner, type RunOptions, type RunResult } from "../proc/types.ts";
import { copyResource, DEPLOY_SCRIPT, SIMULATED_YUM } from "./resources.ts";

/** Where the simulated package manager lives under the demo directory `dir`. */
export interface SimulatedPackages {
  /** The simulated yum program. */
  yum: string;
  /** The package repository (`<name>/<version>/bin/zookeeper-deploy`). */
  repo: string;
}

/** Installs the simulated yum under `dir`, with an empty package repository. */
export async function makeSimulatedPackages(dir: string): Promise<SimulatedPackages> {
  const packages = { yum: `${dir}/bin/yum`, repo: `${dir}/packages` };
  await copyResource(SIMULATED_YUM, packages.yum, true);
  await Deno.mkdir(packages.repo, { recursive: true });
  return packages;
}

/** Adds package `name` at `version` (holding the demo's deploy script) to the repository. */
export async function addPackage(
  packages: SimulatedPackages,
  name: string,
  version: string,
): Promise<void> {
  if (!/^[\w.+-]+$/.test(name) || !/^[\w.+]+$/.test(version)) {
    throw new Error(`Cannot make a simulated package ${name}-${version}: unusual name or version`);
  }
  await copyResource(
    DEPLOY_SCRIPT,
    `${packages.repo}/${name}/${version}/bin/zookeeper-deploy`,
    true,
  );
}

/** Runs the agent's commands on the simulated host rooted at `root`. */
export class SimulatedHostRunner implements Runner {
  readonly #inner: Runner;
  readonly #root: string;
  readonly #packages: SimulatedPackages;

  /** Runs through `inner` (a real runner) for the host at `root`. */
  constructor(inner: Runner, root: string, packages: SimulatedPackages) {
    this.#inner = inner;
    this.#root = root.replace(/\/+$/, "");
    this.#packages = packages;
  }

  /** Runs `argv` with `yum` mapped to the simulated one; refuses programs outside the root. */
  run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
    const [program, ...args] = argv;
    let real: string[];
    if (program === "yum") {
      real = [this.#packages.yum, ...args];
    } else if (program?.startsWith(`${this.#root}/`)) {
      real = argv;
    } else {
      return Promise.resolve({
        argv,
        code: 126,
        stdout: "",
        stderr: `the demo's simulated host runs only yum and programs below ${this.#root}; ` +
          `refused: ${program}\n`,
        timedOut: false,
      });
    }
    const env = {
      ...options.env,
      TEST_ROOT: this.#root,
      SIMULATED_YUM_REPO: this.#packages.repo,
    };
    return this.#inner.run(real, { ...options, env }).then((result) => ({ ...result, argv }));
  }
}
