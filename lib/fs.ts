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
