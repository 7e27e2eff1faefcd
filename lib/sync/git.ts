/**
 * The working checkout of the tree repository: clone, fetch, reset, and read the commit id.
 * Real git, argv only; the URL and branch are validated first.
 *
 * @module
 */
import { branchProblem, repoUrlProblem } from "../git_ref.ts";
import { exists } from "../fs.ts";
import type { Runner } from "../proc/types.ts";

/** A git step failed; the message says which and what git said. */
export class GitError extends Error {
  /** Makes the error. */
  constructor(message: string) {
    super(message);
    this.name = "GitError";
  }
}

/** Throws unless `url` is an acceptable repository URL or path (see {@linkcode repoUrlProblem}). */
export function validateRepoUrl(url: string): string {
  const problem = repoUrlProblem(url);
  if (problem !== undefined) throw new GitError(`invalid repository URL '${url}': ${problem}`);
  return url;
}

/** Throws unless `branch` is an acceptable branch name (see {@linkcode branchProblem}). */
export function validateBranch(branch: string): string {
  const problem = branchProblem(branch);
  if (problem !== undefined) throw new GitError(`invalid branch name '${branch}': ${problem}`);
  return branch;
}

function gitFailure(what: string, result: { stderr: string; stdout: string; code: number }) {
  const detail = (result.stderr || result.stdout).trim();
  return new GitError(`${what} failed (git exit ${result.code})${detail ? `: ${detail}` : ""}`);
}

/**
 * Brings `dir` to the tip of `branch` of `url` (the remote's default branch when `branch` is
 * undefined): clones when `dir` does not exist, otherwise fetches and hard-resets to what was
 * fetched and removes untracked files. Refuses a `dir` that is a checkout of another URL.
 * Returns the commit id now checked out.
 */
export async function updateCheckout(
  runner: Runner,
  url: string,
  branch: string | undefined,
  dir: string,
): Promise<string> {
  validateRepoUrl(url);
  if (branch !== undefined) validateBranch(branch);
  if (!await exists(`${dir}/.git`)) {
    if (await exists(dir)) {
      const entries = [];
      for await (const entry of Deno.readDir(dir)) entries.push(entry.name);
      if (entries.length > 0) {
        throw new GitError(`tree directory ${dir} exists, is not empty and is not a git checkout`);
      }
    }
    const branchArgs = branch === undefined ? [] : ["--branch", branch];
    const clone = await runner.run(["git", "clone", "--quiet", ...branchArgs, "--", url, dir]);
    if (clone.code !== 0) throw gitFailure(`git clone of ${url}`, clone);
  } else {
    const git = (...args: string[]) => runner.run(["git", "-C", dir, ...args]);
    const origin = await git("remote", "get-url", "origin");
    if (origin.code !== 0) throw gitFailure(`reading the origin of ${dir}`, origin);
    if (origin.stdout.trim() !== url) {
      throw new GitError(
        `tree directory ${dir} is a checkout of ${origin.stdout.trim()}, not ${url}; ` +
          `use another --tree-dir or remove it`,
      );
    }
    const fetch = await git("fetch", "--quiet", "origin", branch ?? "HEAD");
    if (fetch.code !== 0) throw gitFailure(`git fetch of ${url} ${branch ?? "HEAD"}`, fetch);
    const reset = await git("reset", "--quiet", "--hard", "FETCH_HEAD");
    if (reset.code !== 0) throw gitFailure(`git reset in ${dir}`, reset);
    const clean = await git("clean", "--quiet", "-f", "-d", "-x");
    if (clean.code !== 0) throw gitFailure(`git clean in ${dir}`, clean);
  }
  return await commitId(runner, dir);
}

/** The commit id checked out in `dir`. */
export async function commitId(runner: Runner, dir: string): Promise<string> {
  const head = await runner.run(["git", "-C", dir, "rev-parse", "HEAD"]);
  if (head.code !== 0) throw gitFailure(`reading the commit of ${dir}`, head);
  return head.stdout.trim();
}

/** The default working checkout for a repository: one directory per URL under the cache. */
export function defaultTreeDir(repoUrl: string): string {
  const base = Deno.env.get("XDG_CACHE_HOME") ??
    `${Deno.env.get("HOME") ?? "/var/cache"}/.cache`;
  const slug = repoUrl.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[._-]+/, "").slice(-120);
  return `${base}/clusterdeploy/trees/${slug || "repo"}`;
}

/** Whether `text` may name a commit: hex, 4 to 64 digits (a full id or a prefix). */
export function isCommitName(text: string): boolean {
  return /^[0-9a-f]{4,64}$/.test(text);
}

/**
 * Resets the checkout in `dir` to `commit` (a full id or a prefix, validated first): the full id.
 * Throws {@linkcode GitError} `commit X is not in the repository` when git does not have it.
 */
export async function checkoutCommit(runner: Runner, dir: string, commit: string): Promise<string> {
  if (!isCommitName(commit)) {
    throw new GitError(`invalid commit id '${commit}': not 4-64 hex digits`);
  }
  const git = (...args: string[]) => runner.run(["git", "-C", dir, ...args]);
  const found = await git(
    "rev-parse",
    "--verify",
    "--quiet",
    "--end-of-options",
    `${commit}^{commit}`,
  );
  if (found.code !== 0) {
    throw new GitError(`commit ${commit} is not in the repository (gone from its history?)`);
  }
  const full = found.stdout.trim();
  const reset = await git("reset", "--quiet", "--hard", full);
  if (reset.code !== 0) throw gitFailure(`git reset in ${dir}`, reset);
  const clean = await git("clean", "--quiet", "-f", "-d", "-x");
  if (clean.code !== 0) throw gitFailure(`git clean in ${dir}`, clean);
  return full;
}

/** The subject, author and commit time of `commit` in `dir` (empty fields when git fails). */
export async function readCommitInfo(
  runner: Runner,
  dir: string,
  commit: string,
): Promise<{ subject: string; author: string; committedAt: string }> {
  const out = await runner.run([
    "git",
    "-C",
    dir,
    "log",
    "-1",
    "--format=%s%x00%an <%ae>%x00%cI",
    "--end-of-options",
    commit,
  ]);
  if (out.code !== 0) return { subject: "", author: "", committedAt: "" };
  const [subject = "", author = "", committedAt = ""] = out.stdout.replace(/\n$/, "").split("\0");
  return { subject, author, committedAt };
}
