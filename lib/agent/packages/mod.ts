/**
 * Package manager backends, chosen by name.
 *
 * @module
 */
import { AptPackageManager } from "./apt.ts";
import type { PackageManager, PackageManagerName } from "./types.ts";
import { YumPackageManager } from "./yum.ts";

export * from "./types.ts";
export { AptPackageManager } from "./apt.ts";
export { YumPackageManager } from "./yum.ts";

/** The backend called `name`. */
export function packageManager(name: PackageManagerName): PackageManager {
  switch (name) {
    case "yum":
    case "dnf":
      return new YumPackageManager(name);
    case "apt":
      return new AptPackageManager();
  }
}
