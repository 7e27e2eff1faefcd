/**
 * Opens the store a command names, runs the work, and always closes it.
 *
 * @module
 */
import { openStore } from "../store/open.ts";
import type { Store } from "../store/types.ts";
import { CliError } from "./run.ts";

/** Runs `fn` with the store at `connect`; a store that cannot be opened is a CliError. */
export async function withStore<T>(connect: string, fn: (store: Store) => Promise<T>): Promise<T> {
  let store: Store;
  try {
    store = await openStore(connect);
  } catch (error) {
    throw new CliError(`cannot open the store ${connect}: ${(error as Error).message}`);
  }
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
