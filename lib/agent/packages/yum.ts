/**
 * The `yum` backend (exactly the seed's commands) and `dnf`, which takes the same commands.
 *
 * @module
 */
import type { PackageManager } from "./types.ts";

/** A yum-like package manager run as `binary` (`yum` or `dnf`). */
export class YumPackageManager implements PackageManager {
  /** `yum` or `dnf`. */
  readonly name: string;

  /** Makes the backend for `binary`. */
  constructor(binary: "yum" | "dnf" = "yum") {
    this.name = binary;
  }

  /** `yum -y clean all`. */
  refreshCommand(): string[] {
    return [this.name, "-y", "clean", "all"];
  }

  /** `yum -q list installed <pkg>`. */
  queryCommand(pkg: string): string[] {
    return [this.name, "-q", "list", "installed", pkg];
  }

  /**
   * Reads `<pkg>[.arch]  [epoch:]version-release  repo` lines; returns the version without
   * epoch and release (`squid  2.0-1  installed` → `2.0`).
   */
  parseInstalled(pkg: string, stdout: string): string | null {
    for (const line of stdout.split("\n")) {
      const [name, full] = line.trim().split(/\s+/);
      if (full === undefined || (name !== pkg && !name.startsWith(`${pkg}.`))) continue;
      return full.replace(/^\d+:/, "").split("-")[0];
    }
    return null;
  }

  /** `yum -y install <pkg>-<version>` (or `<pkg>` when the name carries the version). */
  installCommand(pkg: string, version: string | null): string[] {
    return [this.name, "-y", "install", version === null ? pkg : `${pkg}-${version}`];
  }

  /** `yum -y downgrade <pkg>-<version>`. */
  downgradeCommand(pkg: string, version: string): string[] {
    return [this.name, "-y", "downgrade", `${pkg}-${version}`];
  }

  /** `yum -y remove <pkg>`. */
  removeCommand(pkg: string): string[] {
    return [this.name, "-y", "remove", pkg];
  }
}
