/**
 * A fake host for agent scenario tests, behaving like the seed's: a temp root with the seed's
 * initial files, and a {@linkcode FakeRunner} whose `yum`, `svn`, deploy scripts and builds act
 * on that root and echo their command lines into the transcript (as the seed's fakes print).
 *
 * @module
 */
import { FakeRunner } from "../../../lib/proc/fake.ts";
import type { RunOptions } from "../../../lib/proc/types.ts";

/** The seed's host id. */
export const HOST_ID = "424242424242";
/** The seed's host name. */
export const HOST_NAME = "host42";

/** Writes files below `root`: a map of root-relative paths to contents. */
export async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    const full = `${root}/${path}`;
    await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(full, text);
  }
}

/** Makes a temp root holding the seed's initial host: two apps installed, three deployments. */
export async function makeSeedRoot(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "agent-root-" });
  await writeFiles(root, {
    "etc/zmh/pxemac": `${HOST_ID}\n`,
    "etc/zim/host_version": "1",
    "etc/z4mmonitor/cust,someapp,monitor.0.deployed": "",
    "etc/z4m/cust,someapp,cms.0.deployed": "",
    "etc/z4m/cust2,someapp,cms.0.deployed": "",
    "opt/z4mmonitor/bin/zookeeper-deploy": "",
    "opt/z4mmonitor/version": "1.1.0",
    "opt/z4m/bin/zookeeper-deploy": "",
    "opt/z4m/version": "1.0.0",
  });
  return root;
}

const SVN_INFO = (url: string) =>
  `Path: .\nURL: ${url}\nRepository Root: svn+ssh://svn.zope.com/repos/main\nRevision: 68457\n`;

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

type Reply = { code?: number; stdout?: string; timedOut?: boolean };

/** What the fake commands may do to the cluster. */
export interface FakeClusterHooks {
  /** Another host fails (sets the cluster version to None): the role-controller `-cf-` fake. */
  otherHostFails?: () => Promise<void>;
}

/** A role controller package (`my-0-0-rc`): installs `starting-`/`ending-deployments`. */
const CONTROLLER = /-rc$/;

/** Makes the controller scripts (or the deploy script) of a package directory. */
async function fakeScripts(dir: string, pkg: string) {
  await Deno.mkdir(`${dir}/bin`, { recursive: true });
  const names = CONTROLLER.test(pkg)
    ? ["starting-deployments", "ending-deployments"]
    : ["zookeeper-deploy"];
  for (const name of names) await Deno.writeTextFile(`${dir}/bin/${name}`, "");
}

/**
 * The fake commands. `echo` receives what the seed's fakes print (the command line), in order
 * with the log; output that the agent captures comes back as `stdout`.
 *
 * Role controller fakes (`/opt/<name>-<s>-<e>-rc/bin/…-deployments`): `starting-deployments`
 * fails (`Busted!`) when `<s>` is 1, `ending-deployments` when `<e>` is 1; a name with `-cf-`
 * makes `starting-deployments` simulate a failure on another host (`hooks.otherHostFails`).
 */
export function fakeHostRunner(
  root: string,
  echo: (line: string) => void,
  hooks: FakeClusterHooks = {},
): FakeRunner {
  const runner = new FakeRunner();
  const strip = (path: string) => path.startsWith(root) ? path.slice(root.length) : path;

  const deployScript = async (argv: string[], options: RunOptions): Promise<Reply> => {
    let app = argv[0].split("/").at(-3)!;
    const args = argv.slice(1);
    echo(`${app}/bin/zookeeper-deploy ${args.join(" ")}`);
    const uninstall = args[0] === "-u";
    if (uninstall) args.shift();
    if (!uninstall && app === "cranky") return { code: 1, stdout: "waaaaaaaaaaaa\n" };
    if (!uninstall && app === "tooslow") {
      await new Promise((r) => setTimeout(r, options.timeoutMs ?? 60_000));
      return { code: 124, timedOut: true };
    }
    app = /^(\S+)-\d+(\.\d+)*$/.exec(app)?.[1] ?? app;
    if (args[0] === "-r") args.splice(0, 2);
    const marker = `${root}/etc/${app}/${args[0].slice(1).replaceAll("/", ",")}.${
      args[1]
    }.deployed`;
    if (uninstall) await Deno.remove(marker).catch(() => {});
    else await Deno.writeTextFile(marker, "");
    return {};
  };

  const yum = async (argv: string[]): Promise<Reply> => {
    const args = argv.slice(1);
    echo(`yum ${args.join(" ")}`);
    let pkg = args.at(-1)!;
    const command = args[0] === "-y" || args[0] === "-q" ? args[1] : args[0];
    if (command === "install" || command === "downgrade") {
      const dash = pkg.lastIndexOf("-");
      const version = pkg.slice(dash + 1);
      pkg = pkg.slice(0, dash);
      if (!/^\d/.test(version)) {
        return { code: 1, stdout: `Error: Couldn't find package ${pkg}-${version}\n` };
      }
      if (pkg === "z4m" && version >= "4.0.0") pkg += `-${version}`;
      else if (version === "666") {
        return { code: 0, stdout: `Error: Couldn't find package ${pkg}-${version}\n` };
      }
      await fakeScripts(`${root}/opt/${pkg}`, pkg);
      await Deno.writeTextFile(`${root}/opt/${pkg}/version`, `${version}-1`);
      return {};
    }
    if (command === "remove") {
      if (pkg === "pywrite") return { stdout: "Error: No match for argument: pywrite\n" };
      await Deno.remove(`${root}/opt/${pkg}`, { recursive: true });
      return {};
    }
    if (command === "clean") {
      return { stdout: "Loaded plugins: downloadonly\nCleaning up Everything\n" };
    }
    if (command === "list") {
      const file = `${root}/opt/${pkg}/version`;
      if (!await exists(file)) return { code: 1, stdout: "Error: No matching Packages to list\n" };
      const version = await Deno.readTextFile(file);
      return { stdout: `Installed Packages\n${pkg} \t${version} \tinstalled\n` };
    }
    throw new Error(`fake yum: unknown command ${args.join(" ")}`);
  };

  const svn = async (argv: string[]): Promise<Reply> => {
    const [, command, a, b] = argv;
    if (command === "co") {
      await fakeScripts(b, b.split("/").at(-1)!);
      await Deno.mkdir(`${b}/.svn`, { recursive: true });
      await Deno.writeTextFile(`${b}/url`, a);
      return {};
    }
    if (command === "info") return { stdout: SVN_INFO(await Deno.readTextFile(`${a}/url`)) };
    throw new Error(`fake svn: unknown command ${argv.join(" ")}`);
  };

  runner.on((argv) => argv[0].endsWith("/bin/zookeeper-deploy"), deployScript);
  runner.on(["yum"], yum);
  runner.on(["svn"], svn);
  runner.on((argv) => argv[0].endsWith("/stage-build"), (argv, options) => {
    if (`${options.cwd}/stage-build` !== argv[0]) {
      throw new Error(`stage-build run in ${options.cwd}`);
    }
    echo(strip(argv[0]));
    return {};
  });
  runner.on((argv) => /\/bin\/(starting|ending)-deployments$/.test(argv[0]), async (argv) => {
    echo([strip(argv[0]), ...argv.slice(1)].join(" "));
    const pkg = argv[0].split("/").at(-3)!;
    const starting = argv[0].endsWith("/starting-deployments");
    const flags = /-(\d)-(\d)-rc$/.exec(pkg);
    if (flags !== null && flags[starting ? 1 : 2] === "1") return { code: 1, stdout: "Busted!\n" };
    if (starting && pkg.includes("-cf-")) {
      echo("*** Simulating deployment failure on another host");
      await hooks.otherHostFails?.();
    }
    return {};
  });
  runner.on(["echo"], (argv) => {
    echo(argv.join(" "));
    return { code: argv.includes("666") ? 1 : 0 };
  });
  runner.on(["chmod"], (argv) => {
    echo(argv.join(" "));
    return {};
  });
  return runner;
}
