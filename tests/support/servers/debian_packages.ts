/**
 * What the suite needs from the machine, installed when missing: on Debian, as root, the
 * packages are installed with apt-get; elsewhere, or when that fails, the process says exactly
 * what to install and exits 1. Tests never silently skip.
 *
 * @module
 */

/** What to check and what to install (see {@linkcode ensureDebianPackages}). */
export interface Requirement {
  /** What is missing now (empty: nothing). */
  missing(): string[];
  /** The Debian packages that provide it. */
  packages: readonly string[];
  /** What to install, for a person, when it cannot be installed here. */
  hint: string;
  /** Said before installing, given what is missing. */
  installing(missing: string[]): string;
  /** Said when something is still missing, given what. */
  stillMissing(missing: string[]): string;
}

async function run(argv: string[]): Promise<boolean> {
  const status = await new Deno.Command(argv[0], {
    args: argv.slice(1),
    env: { DEBIAN_FRONTEND: "noninteractive" },
    stdout: "inherit",
    stderr: "inherit",
  }).spawn().status;
  return status.success;
}

function isDebian(): boolean {
  try {
    return Deno.statSync("/etc/debian_version").isFile;
  } catch {
    return false;
  }
}

/**
 * Installs `need.packages` with apt-get when something is missing (on Debian, as root); exits
 * the process with status 1, saying what to install, when something is still missing.
 */
export async function ensureDebianPackages(need: Requirement): Promise<void> {
  const missing = need.missing();
  if (missing.length === 0) return;
  if (Deno.uid() === 0 && isDebian()) {
    console.error(need.installing(missing));
    if (
      !await run(["apt-get", "update", "-qq"]) ||
      !await run(["apt-get", "install", "-y", "-qq", ...need.packages])
    ) {
      console.error(`apt-get failed. ${need.hint}`);
      Deno.exit(1);
    }
  }
  const still = need.missing();
  if (still.length > 0) {
    console.error(need.stillMissing(still));
    Deno.exit(1);
  }
}
