/**
 * A temporary directory for the length of a test.
 *
 * @module
 */

/** Runs `fn` with a new temporary directory (its name starts with `prefix`), removed after. */
export async function withTempDir(
  prefix: string,
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
