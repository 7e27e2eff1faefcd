/**
 * The package manager contract: the commands the agent runs to check, install, downgrade and
 * remove packages, and how to read a check's output. Commands are argv arrays.
 *
 * @module
 */

/** A package manager backend (`yum`, `dnf`, `apt`). */
export interface PackageManager {
  /** Its name, as `--package-manager` takes it. */
  readonly name: string;
  /** Run once before the first install of a deployment (`yum -y clean all`). */
  refreshCommand(): string[];
  /** Lists the installed version of `pkg` (`yum -q list installed <pkg>`). */
  queryCommand(pkg: string): string[];
  /** The installed version in a successful query's output, or null when not installed. */
  parseInstalled(pkg: string, stdout: string): string | null;
  /** Installs `pkg` at `version`, or the package itself when its name carries the version. */
  installCommand(pkg: string, version: string | null): string[];
  /** Installs an older `version` than the installed one. */
  downgradeCommand(pkg: string, version: string): string[];
  /** Uninstalls `pkg`. */
  removeCommand(pkg: string): string[];
}

/** The names `--package-manager` accepts. */
export const PACKAGE_MANAGERS = ["yum", "dnf", "apt"] as const;

/** One of {@linkcode PACKAGE_MANAGERS}. */
export type PackageManagerName = typeof PACKAGE_MANAGERS[number];
