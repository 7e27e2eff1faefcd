/**
 * Store path helpers: validation and splitting of absolute ZooKeeper-style paths.
 *
 * @module
 */
import { StoreError } from "./types.ts";

/**
 * Checks that `path` is an absolute store path (`/` or `/a/b`, no empty, `.` or `..` segments,
 * no trailing slash, no control characters); throws {@linkcode StoreError} `INVALID` otherwise.
 */
export function validatePath(path: string): void {
  if (typeof path !== "string" || !path.startsWith("/")) {
    throw new StoreError("INVALID", "path must be absolute", String(path));
  }
  if (path === "/") return;
  if (path.endsWith("/")) throw new StoreError("INVALID", "path must not end with /", path);
  for (const part of path.slice(1).split("/")) {
    if (part === "" || part === "." || part === "..") {
      throw new StoreError("INVALID", `invalid path segment "${part}"`, path);
    }
  }
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) {
    throw new StoreError("INVALID", "path contains control characters", path);
  }
}

/** The parent of a path (`/a/b` → `/a`, `/a` → `/`); undefined for `/`. */
export function parentPath(path: string): string | undefined {
  if (path === "/") return undefined;
  const index = path.lastIndexOf("/");
  return index === 0 ? "/" : path.slice(0, index);
}

/** The last segment of a path (`/a/b` → `b`, `/` → ""). */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** Checks a lock name (one path segment); throws {@linkcode StoreError} `INVALID` otherwise. */
export function validateLockName(name: string): void {
  if (name === "" || name.includes("/") || name === "." || name === "..") {
    throw new StoreError("INVALID", `invalid lock name "${name}"`, `/ZktoolsLocks/${name}`);
  }
}

/** Where locks live, as zktools lays them out. */
export const LOCKS_ROOT = "/ZktoolsLocks";
/** Data of {@linkcode LOCKS_ROOT}, as zktools writes it. */
export const LOCKS_ROOT_DATA = "zktools ZLock dir";
/** Data of each `/ZktoolsLocks/<name>` node. */
export const LOCK_NODE_DATA = "lock";
/** Prefix of the sequential lock children. */
export const LOCK_CHILD_PREFIX = "lock-";

/** The sequence number of a sequential node name (`lock-0000000003` → 3), or NaN. */
export function sequenceOf(name: string): number {
  const match = /(\d+)$/.exec(name);
  return match === null ? NaN : Number(match[1]);
}
