/**
 * Real git repositories for tests, made in a temporary directory.
 *
 * @module
 */

/** A test repository with a working tree. */
export interface TestRepo {
  /** Its path (usable as a clone URL). */
  readonly path: string;
  /** Writes a file (relative path). */
  write(name: string, content: string): Promise<void>;
  /** Removes a file. */
  remove(name: string): Promise<void>;
  /** Commits everything and returns the commit id. */
  commit(message: string): Promise<string>;
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command("git", {
    args,
    cwd,
    env: {
      GIT_AUTHOR_NAME: "test",
      GIT_AUTHOR_EMAIL: "test@example.invalid",
      GIT_COMMITTER_NAME: "test",
      GIT_COMMITTER_EMAIL: "test@example.invalid",
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`git ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout).trim();
}

/** Makes a new repository (branch `master`) under `parent`. */
export async function makeRepo(parent: string, name = "cluster"): Promise<TestRepo> {
  const path = `${parent}/${name}`;
  await Deno.mkdir(path, { recursive: true });
  await git(path, "init", "--quiet", "--initial-branch=master");
  return {
    path,
    write: async (file, content) => {
      const full = `${path}/${file}`;
      await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), { recursive: true });
      await Deno.writeTextFile(full, content);
    },
    remove: (file) => Deno.remove(`${path}/${file}`),
    commit: async (message) => {
      await git(path, "add", "--all");
      await git(path, "commit", "--quiet", "--allow-empty", "-m", message);
      return await git(path, "rev-parse", "HEAD");
    },
  };
}
