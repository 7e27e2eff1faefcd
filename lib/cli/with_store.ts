/**
 * Opens the store a command names, runs the work, and always closes it.
 *
 * @module
 */
import { openStore } from "../store/open.ts";
import { type Store, StoreError } from "../store/types.ts";
import { CliError } from "./run.ts";

/**
 * Opens the store at `connect` for a command; failing that, a CliError that says what to do
 * (a bad address is a usage error, exit 2).
 */
export async function openStoreForCli(connect: string): Promise<Store> {
  try {
    return await openStore(connect);
  } catch (error) {
    const reason = (error as Error).message;
    if (error instanceof StoreError && error.code === "INVALID") {
      throw new CliError(
        `cannot open the store ${connect}: ${reason} (expected host:port[,host:port][/chroot] ` +
          `or file:PATH)`,
        2,
      );
    }
    if (error instanceof StoreError && error.code === "CONNECTION") {
      throw new CliError(
        `cannot open the store ${connect}: ${reason}; check that ZooKeeper runs there and this ` +
          `host can reach it, or pass --store (or set CLUSTERDEPLOY_STORE)`,
      );
    }
    throw new CliError(`cannot open the store ${connect}: ${reason}`);
  }
}

/** Runs `fn` with the store at `connect` (see {@linkcode openStoreForCli}), then closes it. */
export async function withStore<T>(connect: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStoreForCli(connect);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
