/**
 * Small file-system helpers shared by the tools.
 *
 * @module
 */

/** Whether something is at `path` (a dangling symlink counts: the link itself is there). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** The real path of a root-relative path (`opt/z4m` or `/opt/z4m`) below `root`. */
export function underRoot(root: string, path: string): string {
  const relative = path.replace(/^\/+/, "");
  if (root === "/" || root === "") return `/${relative}`;
  return `${root.replace(/\/+$/, "")}/${relative}`;
}
