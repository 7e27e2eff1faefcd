/**
 * Opens the store a command names, runs the work, and always closes it.
 *
 * @module
 */
import { openStore, type OpenStoreOptions } from "../store/open.ts";
import { isStoreError, type Store, StoreFileError } from "../store/types.ts";
import { RetryingReads } from "../store/reconnect.ts";
import { CliError } from "./run.ts";

/** Whether `connect` names an embedded store whose file does not exist yet. */
export async function isMissingFileStore(connect: string): Promise<boolean> {
  if (!connect.startsWith("file:")) return false;
  try {
    await Deno.stat(connect.slice("file:".length));
    return false;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return true;
    throw error;
  }
}

/** How a command opens its store. */
export interface OpenForCli {
  /**
   * The command only reads or edits an existing cluster: a `file:` store that does not exist is
   * refused (opening it would create an empty one) instead of created.
   */
  mustExist?: boolean;
  /** ZooKeeper options (the session timeout). */
  zookeeper?: OpenStoreOptions;
  /** The command only reads: an embedded store file is never written (nor converted). */
  readOnly?: boolean;
  /**
   * Retry reads across a lost connection, for at most this many milliseconds unreachable
   * (`--timeout`); without it a lost connection fails the reads in flight.
   */
  timeoutMs?: number;
}

/**
 * Opens the store at `connect` for a command; failing that, a CliError that says what to do
 * (a bad address is a usage error, exit 2; a file that is not a valid store a failure, exit 1).
 */
export async function openStoreForCli(connect: string, how: OpenForCli = {}): Promise<Store> {
  if (how.mustExist && await isMissingFileStore(connect)) {
    throw new CliError(
      `no embedded store at ${connect.slice("file:".length)}: this command does not create ` +
        `one (sync into it first, or name the store that holds the cluster with --store)`,
    );
  }
  try {
    return await openStore(connect, { ...how.zookeeper, readOnly: how.readOnly });
  } catch (error) {
    const reason = (error as Error).message;
    if (error instanceof StoreFileError) throw new CliError(reason);
    if (isStoreError(error, "INVALID")) {
      throw new CliError(
        `cannot open the store ${connect}: ${reason} (expected host:port[,host:port][/chroot] ` +
          `or file:PATH)`,
        2,
      );
    }
    if (isStoreError(error, "PERMISSION")) {
      throw new CliError(`cannot open the store ${connect}: ${reason}`);
    }
    if (isStoreError(error, "CONNECTION")) {
      throw new CliError(
        `cannot open the store ${connect}: ${reason}; check that ZooKeeper runs there and this ` +
          `host can reach it, or pass --store (or set CLUSTERDEPLOY_STORE)`,
      );
    }
    throw new CliError(`cannot open the store ${connect}: ${reason}`);
  }
}

/** Runs `fn` with the store at `connect` (see {@linkcode openStoreForCli}), then closes it. */
export async function withStore<T>(
  connect: string,
  fn: (store: Store) => Promise<T>,
  how: OpenForCli = {},
): Promise<T> {
  const opened = await openStoreForCli(connect, how);
  const store = how.timeoutMs === undefined ? opened : new RetryingReads(opened, how.timeoutMs);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
