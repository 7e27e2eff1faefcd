/**
 * Opens a store from one address: `file:PATH` is the embedded local store, anything else a
 * ZooKeeper connect string (`host:port[,host:port][/chroot]`).
 *
 * @module
 */
import { openLocalStore } from "./local.ts";
import { type Store, StoreError } from "./types.ts";
import { connectZooKeeper, parseConnectString, type ZooKeeperOptions } from "./zookeeper.ts";

/** Options of {@linkcode openStore} (ZooKeeper ones; the local store takes none). */
export type OpenStoreOptions = ZooKeeperOptions;

/**
 * Opens the store at `connect`: `file:PATH` (a local file, created when missing) or a
 * ZooKeeper connect string. Throws {@linkcode StoreError} `INVALID` for a malformed address and
 * `CONNECTION` when ZooKeeper cannot be reached.
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
    return openLocalStore(path);
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(connect)) {
    return Promise.reject(
      new StoreError(
        "INVALID",
        `unsupported store address "${connect}": use file:PATH or host:port[,host:port][/chroot]`,
      ),
    );
  }
  try {
    parseConnectString(connect);
  } catch (error) {
    return Promise.reject(error);
  }
  return connectZooKeeper(connect, options);
}
