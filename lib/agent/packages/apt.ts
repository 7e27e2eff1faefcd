/**
 * The `apt` backend: `apt-get install -y pkg=version`, `dpkg-query` to verify,
 * `apt-get remove -y`.
 *
 * @module
 */
import type { PackageManager } from "./types.ts";

/** Debian's apt and dpkg. */
export class AptPackageManager implements PackageManager {
  /** `apt`. */
  readonly name = "apt";

  /** `apt-get update`. */
  refreshCommand(): string[] {
    return ["apt-get", "update"];
  }

  /** `dpkg-query -W -f '${Status} ${Version}\n' -- <pkg>`. */
  queryCommand(pkg: string): string[] {
    return ["dpkg-query", "-W", "-f", "${Status} ${Version}\\n", "--", pkg];
  }

  /** The version when the status says `install ok installed`, else null. */
  parseInstalled(_pkg: string, stdout: string): string | null {
    const match = /^\S+ ok installed (\S+)$/m.exec(stdout.trim());
    return match === null ? null : match[1];
  }

  /** `apt-get install -y -- <pkg>=<version>` (or `<pkg>`). */
  installCommand(pkg: string, version: string | null): string[] {
    return ["apt-get", "install", "-y", "--", version === null ? pkg : `${pkg}=${version}`];
  }

  /** `apt-get install -y --allow-downgrades -- <pkg>=<version>`. */
  downgradeCommand(pkg: string, version: string): string[] {
    return ["apt-get", "install", "-y", "--allow-downgrades", "--", `${pkg}=${version}`];
  }

  /** `apt-get remove -y -- <pkg>`. */
  removeCommand(pkg: string): string[] {
    return ["apt-get", "remove", "-y", "--", pkg];
  }
}
