/**
 * Application identity: name, compose project, checkout directory.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { basename, dirname, resolve } from "node:path";
import { isEventId, shown } from "./values.ts";

/** Who an application is, derived from its repo URL and branch. */
export interface AppIdentity {
  /** Repo URL as given (used to clone). */
  repo: string;
  /** Branch. */
  branch: string;
  /**
   * `<repo basename>_<branch>.<5 hex of md5 of the URL path>` (each `/` of the branch as `~`:
   * {@linkcode branchInName}), the key of everything.
   */
  name: string;
  /** Compose project: the name without characters outside `[a-z0-9]`. */
  project: string;
}

/** Computes the identity of the application of `repo` at `branch`. */
export function appIdentity(repo: string, branch: string): AppIdentity {
  let url = repo.trim();
  if (url.endsWith(".git")) url = url.slice(0, -4);
  const lower = url.toLowerCase();
  const digest = createHash("md5").update(urlPath(lower), "utf8").digest("hex");
  const segments = lower.replace(/\/+$/, "").split("/");
  const base = segments[segments.length - 1];
  const name = `${base}_${branchInName(branch)}.${digest.slice(0, 5)}`;
  return { repo: repo.trim(), branch, name, project: projectName(name) };
}

/**
 * A branch as it appears in an application name: each `/` becomes `~`, a character git refuses in
 * branch names, so two branches never give one name; a branch without `/` is kept as it is.
 */
export function branchInName(branch: string): string {
  return branch.replaceAll("/", "~");
}

/** The compose project name of an application name. */
export function projectName(name: string): string {
  return name.replace(/[^a-z0-9]/g, "");
}

/** The path part of a URL (the whole text for scp-like `user@host:path`, as Python's urlparse). */
function urlPath(url: string): string {
  if (!url.includes("://")) return url;
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

/**
 * The checkout directory of a deployment: `<deploy dir>/<name>-<deploy id>`. Throws when the
 * deploy ID is not an event ID or the name holds a `/`: the directory is always a direct child of
 * the deploy directory.
 */
export function checkoutDir(deployDir: string, name: string, deployId: string): string {
  if (!isEventId(deployId)) {
    throw new Error(`not a valid deploy ID for a checkout directory: ${shown(deployId)}`);
  }
  if (name === "" || name.includes("/") || name.startsWith(".")) {
    throw new Error(`not a valid application name for a checkout directory: ${shown(name)}`);
  }
  return `${deployDir.replace(/\/+$/, "")}/${name}-${deployId}`;
}

/**
 * The checkout directory of a deployment as messages name it: {@linkcode checkoutDir}, or
 * `<deploy dir> (app/<name> has no deploy_id)` when the stored document gives no deploy ID.
 */
export function checkoutDirNamed(
  deployDir: string,
  name: string,
  deployId: string | null | undefined,
): string {
  return deployId
    ? checkoutDir(deployDir, name, deployId)
    : `${deployDir} (app/${name} has no deploy_id)`;
}

/**
 * The checkout directory `<deploy dir>/<name>-<deploy id>` ({@linkcode checkoutDir}) once proven,
 * normalised, to be a direct child of `deployDir` with that name; throws otherwise. Every removal
 * of a checkout goes through this.
 */
export function provenCheckoutDir(deployDir: string, name: string, deployId: string): string {
  const dir = checkoutDir(deployDir, name, deployId);
  const target = resolve(dir);
  const expected = `${name}-${deployId}`;
  if (dirname(target) !== resolve(deployDir) || basename(target) !== expected) {
    throw new Error(
      `refusing to remove ${dir}: not the checkout ${expected} directly under ${deployDir}`,
    );
  }
  return dir;
}
