/**
 * One sync at a time per checkout: an exclusive `flock` on `<tree-dir>.lock`, beside the
 * checkout (git wants the checkout directory itself absent or empty before a clone). The kernel
 * frees it when the process ends, however it ends, so a killed sync never leaves it held.
 *
 * @module
 */

/** A held checkout lock. */
export interface CheckoutLock {
  /** The lock file. */
  readonly path: string;
  /** Frees the lock. */
  release(): void;
}

/** The lock file of a checkout directory. */
export function checkoutLockPath(treeDir: string): string {
  return `${treeDir.replace(/\/+$/, "")}.lock`;
}

/**
 * Takes the lock of `treeDir` without waiting; null when another process holds it. Creates the
 * lock file (and its directory) when missing.
 */
export async function tryLockCheckout(treeDir: string): Promise<CheckoutLock | null> {
  const path = checkoutLockPath(treeDir);
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")) || "/", { recursive: true });
  const file = await Deno.open(path, { write: true, create: true });
  let locked = false;
  try {
    locked = await file.tryLock(true);
  } finally {
    if (!locked) file.close();
  }
  if (!locked) return null;
  return {
    path,
    release() {
      try {
        file.unlockSync();
      } finally {
        file.close();
      }
    },
  };
}
