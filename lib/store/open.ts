/**
 * Opens a store from one address: `file:PATH` is the embedded local store, anything else a
 * ZooKeeper connect string (`host:port[,host:port][/chroot]`).
 *
 * @module
 */
import { type LocalStoreOptions, openLocalStore } from "./embedded/mod.ts";
import { type Store, StoreError } from "./types.ts";
import { connectZooKeeper, type ZooKeeperOptions } from "./zookeeper/mod.ts";

/** Options of {@linkcode openStore}: ZooKeeper's, and the embedded store's (`readOnly`, `log`). */
export type OpenStoreOptions = ZooKeeperOptions & LocalStoreOptions;

/**
 * Opens the store at `connect`: `file:PATH` (a local file, created when missing) or a
 * ZooKeeper connect string. Throws {@linkcode StoreError} `INVALID` for a malformed address (and
 * `StoreFileError`, also `INVALID`, for a file that is not a valid store) and `CONNECTION` when
 * ZooKeeper cannot be reached. `readOnly` only matters to the embedded store: it then never
 * writes the file.
 */
export function openStore(connect: string, options: OpenStoreOptions = {}): Promise<Store> {
  if (typeof connect !== "string" || connect.trim() === "") {
    return Promise.reject(new StoreError("INVALID", "empty store address"));
  }
  if (connect.startsWith("file:")) {
    const path = connect.slice("file:".length);
    if (path === "" || path.endsWith("/")) {
      return Promise.reject(
        new StoreError("INVALID", `store address "${connect}" must name a file (file:PATH)`),
      );
    }
    return openLocalStore(path, { readOnly: options.readOnly, log: options.log });
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(connect)) {
    return Promise.reject(
      new StoreError(
        "INVALID",
        `unsupported store address "${connect}": use file:PATH or host:port[,host:port][/chroot]`,
      ),
    );
  }
  return connectZooKeeper(connect, options); // rejects a malformed connect string first
}
