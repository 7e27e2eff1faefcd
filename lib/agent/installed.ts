/**
 * What is installed on this host, read from disk below the root:
 * - every `opt/<pkg>` holding `bin/zookeeper-deploy` (a package or a checkout with a deploy
 *   script) or a VCS checkout (`.svn`, `.git`);
 * - the deployments each deploy script made: markers `etc/<app>/<path>.<n>.deployed` (the path
 *   without its leading `/`, each `/` written `,`). The agent also records which script made a
 *   deployment in `etc/<app>/<path>.<n>.script`, so `z4m` and `z4m-5.0.0` (both `etc/z4m`)
 *   each know their own.
 *
 * @module
 */
import { exists, underRoot } from "../fs.ts";
import { appOf, compareText } from "./deployments.ts";
import { message } from "../error_message.ts";

/** One `opt/<pkg>` directory the agent manages. */
export interface InstalledOpt {
  /** The directory name (package name). */
  pkg: string;
  /** Whether it has `bin/zookeeper-deploy`. */
  script: boolean;
  /** The VCS checkout kind, or null for an installed package. */
  checkout: "svn" | "git" | null;
}

/** A deployment found on disk. */
export interface InstalledDeployment {
  /** The app (`etc/<app>`). */
  app: string;
  /** The package whose script made it. */
  pkg: string;
  /** The app node path. */
  path: string;
  /** The instance number. */
  n: number;
}

/** What is installed. */
export interface InstalledState {
  /** Managed `opt` directories by name. */
  opts: Map<string, InstalledOpt>;
  /** Deployments, by package then marker name. */
  deployments: InstalledDeployment[];
}

/** The root-less path of a package's deploy script (`/opt/<pkg>/bin/zookeeper-deploy`). */
export function deployScript(pkg: string): string {
  return `/opt/${pkg}/bin/zookeeper-deploy`;
}

/** The marker name stem for a deployment: `cust,someapp,cms.0`. */
export function markerStem(path: string, n: number): string {
  return `${path.replace(/^\//, "").replaceAll("/", ",")}.${n}`;
}

/** The root-less marker path `etc/<app>/<stem>.deployed` (and `.script` with `ext`). */
export function markerFile(app: string, path: string, n: number, ext = "deployed"): string {
  return `/etc/${app}/${markerStem(path, n)}.${ext}`;
}

async function listDir(path: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(path)) names.push(entry.name);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
      return [];
    }
    throw new Error(`Cannot list ${path}: ${message(error)}`);
  }
  return names.sort(compareText);
}

/** The checkout kind of a directory, or null. */
export async function checkoutKind(dir: string): Promise<"svn" | "git" | null> {
  if (await exists(`${dir}/.svn`)) return "svn";
  if (await exists(`${dir}/.git`)) return "git";
  return null;
}

/** Scans `root` for managed `opt` directories and their deployments. */
export async function scanInstalled(root: string): Promise<InstalledState> {
  const opts = new Map<string, InstalledOpt>();
  const deployments: InstalledDeployment[] = [];
  for (const pkg of await listDir(underRoot(root, "opt"))) {
    const dir = underRoot(root, `opt/${pkg}`);
    const script = await exists(`${dir}/bin/zookeeper-deploy`);
    const checkout = await checkoutKind(dir);
    if (!script && checkout === null) continue;
    opts.set(pkg, { pkg, script, checkout });
    if (!script) continue;
    const app = appOf(pkg);
    const etc = underRoot(root, `etc/${app}`);
    for (const name of await listDir(etc)) {
      const match = /^(.*)\.(\d+)\.deployed$/.exec(name);
      if (match === null) continue;
      const owner = `${etc}/${match[1]}.${match[2]}.script`;
      if (await exists(owner) && (await Deno.readTextFile(owner)) !== deployScript(pkg)) continue;
      deployments.push({ app, pkg, path: "/" + match[1].replaceAll(",", "/"), n: +match[2] });
    }
  }
  return { opts, deployments };
}
