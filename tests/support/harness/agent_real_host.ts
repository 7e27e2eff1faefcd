/**
 * A real host for the agent's end-to-end tests: a temp root, a `yum` on `PATH` that imitates
 * yum (testdata/demo/simulated-yum.sh, the demo's simulated yum), a package repository of real shell deploy scripts, and the agent
 * as a separate `deno run -A agent.ts` process whose log is collected.
 *
 * @module
 */
import { writeFiles } from "./agent_fake_host.ts";

const REPO_ROOT = new URL("../../../", import.meta.url).pathname;
const SIMULATED_YUM = new URL("../../../testdata/demo/simulated-yum.sh", import.meta.url).pathname;

/**
 * A deploy script for app `app` of package version `version`: writes or removes its marker and
 * appends `deployed|undeployed <app> <version> <path> <n>` to `var/log/deploys.log`.
 * With `hang`, it prints `starting` and never ends.
 */
export function deployScript(app: string, version: string, hang = false): string {
  return `#!/bin/sh
set -eu
undeploy=no
if [ "$1" = "-u" ]; then undeploy=yes; shift; fi
if [ "$1" = "-r" ]; then shift 2; fi
stem="$(echo "$1" | sed 's#^/##; s#/#,#g').$2"
mkdir -p "$TEST_ROOT/etc/${app}" "$TEST_ROOT/var/log"
${hang ? "echo starting\nsleep 600\n" : ""}if [ $undeploy = yes ]; then
  rm -f "$TEST_ROOT/etc/${app}/$stem.deployed"
  echo "undeployed ${app} ${version} $1 $2" >>"$TEST_ROOT/var/log/deploys.log"
else
  : >"$TEST_ROOT/etc/${app}/$stem.deployed"
  echo "deployed ${app} ${version} $1 $2" >>"$TEST_ROOT/var/log/deploys.log"
fi
`;
}

/** A host: its root and how to run the agent on it. */
export class RealHost {
  /** The root directory. */
  readonly root: string;
  /** The host id. */
  readonly id: string;
  /** The host name. */
  readonly name: string;
  readonly #env: Record<string, string>;

  private constructor(root: string, id: string, name: string, env: Record<string, string>) {
    this.root = root;
    this.id = id;
    this.name = name;
    this.#env = env;
  }

  /**
   * Makes a host under `dir` with packages `packages` (`name` → `version` → deploy script, or
   * the package's `bin/` files by name, e.g. `zookeeper-deploy` and `zookeeper-health`) in its
   * yum repository.
   */
  static async make(
    dir: string,
    id: string,
    name: string,
    packages: Record<string, Record<string, string | Record<string, string>>>,
  ): Promise<RealHost> {
    const root = `${dir}/${name}`;
    const bin = `${dir}/${name}-bin`;
    const repo = `${dir}/${name}-repo`;
    await writeFiles(root, { "etc/zmh/pxemac": `${id}\n` });
    await Deno.mkdir(bin, { recursive: true });
    await Deno.copyFile(SIMULATED_YUM, `${bin}/yum`);
    await Deno.chmod(`${bin}/yum`, 0o755);
    for (const [pkg, versions] of Object.entries(packages)) {
      for (const [version, scripts] of Object.entries(versions)) {
        const bin = typeof scripts === "string" ? { "zookeeper-deploy": scripts } : scripts;
        for (const [name, script] of Object.entries(bin)) {
          await writeFiles(repo, { [`${pkg}/${version}/bin/${name}`]: script });
          await Deno.chmod(`${repo}/${pkg}/${version}/bin/${name}`, 0o755);
        }
      }
    }
    return new RealHost(root, id, name, {
      TEST_ROOT: root,
      SIMULATED_YUM_REPO: repo,
      PATH: `${bin}:${Deno.env.get("PATH")}`,
      NO_COLOR: "1",
    });
  }

  /** The lines of `var/log/deploys.log`. */
  async deploys(): Promise<string[]> {
    const text = await Deno.readTextFile(`${this.root}/var/log/deploys.log`).catch(() => "");
    return text.split("\n").filter((l) => l !== "");
  }

  /**
   * Starts `agent.ts` with `args` (plus `--host-name`) as a separate process, with Deno's
   * permission flags `permissions` (default `-A`).
   */
  spawnAgent(args: string[], permissions: string[] = ["-A"]): AgentProcess {
    return new AgentProcess(
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          ...permissions,
          "--quiet",
          `${REPO_ROOT}agent.ts`,
          "--host-name",
          this.name,
          ...args,
        ],
        env: this.#env,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn(),
    );
  }
}

/** A running agent process; its standard error (the log) is collected as it comes. */
export class AgentProcess {
  /** Log lines so far. */
  readonly lines: string[] = [];
  readonly #child: Deno.ChildProcess;
  readonly #done: Promise<[Deno.CommandStatus, string, void]>;

  /** Wraps a spawned child. */
  constructor(child: Deno.ChildProcess) {
    this.#child = child;
    const collect = async () => {
      let rest = "";
      for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
        rest += chunk;
        const parts = rest.split("\n");
        rest = parts.pop()!;
        this.lines.push(...parts);
      }
      if (rest !== "") this.lines.push(rest);
    };
    this.#done = Promise.all([child.status, new Response(child.stdout).text(), collect()]);
  }

  /** Waits for the process to end: its exit code and standard output. */
  async wait(): Promise<{ code: number; stdout: string }> {
    const [status, stdout] = await this.#done;
    return { code: status.code, stdout };
  }

  /** Sends `signal` (e.g. SIGKILL: the agent dies at once, leaving its children running). */
  kill(signal: Deno.Signal): void {
    try {
      this.#child.kill(signal);
    } catch { /* already gone */ }
  }

  /** Sends SIGTERM and waits for the end. */
  stop(): Promise<{ code: number; stdout: string }> {
    try {
      this.#child.kill("SIGTERM");
    } catch { /* already gone */ }
    return this.wait();
  }
}
