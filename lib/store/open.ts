/**
 * Opens a store from one address: `file:PATH` is the embedded local store, anything else a
 * ZooKeeper connect string (`host:port[,host:port][/chroot]`).
 *
 * @module
 */
import type { LocalStoreOptions } from "./embedded/mod.ts";
import { type Store, StoreError } from "./types.ts";
import type { ZooKeeperOptions } from "./zookeeper/mod.ts";

/** Options of {@linkcode openStore}: ZooKeeper's, and the embedded store's (`readOnly`, `log`). */
export type OpenStoreOptions = ZooKeeperOptions & LocalStoreOptions;

/**
 * Opens the store at `connect`: `file:PATH` (a local file, created when missing) or a
 * ZooKeeper connect string. Throws {@linkcode StoreError} `INVALID` for a malformed address (and
 * `StoreFileError`, also `INVALID`, for a file that is not a valid store) and `CONNECTION` when
 * ZooKeeper cannot be reached. `readOnly` only matters to the embedded store: it then never
 * writes the file. Only the store named is loaded: a ZooKeeper run never loads the embedded
 * store's modules, a `file:` run never the ZooKeeper client (an npm package).
 */
export async function openStore(connect: string, options: OpenStoreOptions = {}): Promise<Store> {
  if (typeof connect !== "string" || connect.trim() === "") {
    throw new StoreError("INVALID", "empty store address");
  }
  if (connect.startsWith("file:")) {
    const path = connect.slice("file:".length);
    if (path === "" || path.endsWith("/")) {
      throw new StoreError("INVALID", `store address "${connect}" must name a file (file:PATH)`);
    }
    const { openLocalStore } = await import("./embedded/mod.ts");
    return await openLocalStore(path, { readOnly: options.readOnly, log: options.log });
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(connect)) {
    throw new StoreError(
      "INVALID",
      `unsupported store address "${connect}": use file:PATH or host:port[,host:port][/chroot]`,
    );
  }
  const { connectZooKeeper } = await import("./zookeeper/mod.ts");
  return await connectZooKeeper(connect, options); // rejects a malformed connect string first
}
