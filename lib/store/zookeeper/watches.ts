/**
 * Persistent watches of the ZooKeeper store, built from one-shot watches that are re-armed after
 * each event, reconnect and session expiry.
 *
 * @module
 */
import type { StoredNode, WatchOptions } from "../types.ts";
import { validatePath } from "../path.ts";
import { zk, type ZkWatcher } from "./client.ts";
import { isZero, statTime, type ZkConnection } from "./connection.ts";

interface Watch {
  readonly path: string;
  readonly onChange: (node: StoredNode | null) => void;
  readonly watcher: ZkWatcher;
  /** Whether the children are read too (not for a data-only watch). */
  readonly children: boolean;
  stopped: boolean;
}

/** The watches of a ZooKeeper store. */
export class ZkWatches {
  readonly #conn: ZkConnection;
  readonly #watches = new Set<Watch>();

  /** Watches through `conn`. */
  constructor(conn: ZkConnection) {
    this.#conn = conn;
  }

  /** Watches a node's data and existence (see {@linkcode Store.watch}). */
  watch(
    path: string,
    onChange: (node: StoredNode | null) => void,
    options: WatchOptions = {},
  ): () => void {
    validatePath(path);
    this.#conn.live("watch", path);
    const watch: Watch = {
      path,
      onChange,
      watcher: () => this.#refresh(watch),
      children: !options.dataOnly,
      stopped: false,
    };
    this.#watches.add(watch);
    this.#refresh(watch);
    return () => {
      watch.stopped = true;
      this.#watches.delete(watch);
    };
  }

  /** Reads every watched node again, re-arming its watch (after a (re)connection). */
  refreshAll(): void {
    for (const watch of this.#watches) this.#refresh(watch);
  }

  /** Stops every watch (on close). */
  stopAll(): void {
    for (const watch of this.#watches) watch.stopped = true;
    this.#watches.clear();
  }

  /**
   * Reads the watched node (with its children unless the watch is data-only), re-arming its
   * one-shot watch, and reports it.
   */
  #refresh(watch: Watch): void {
    const client = this.#conn.client;
    if (watch.stopped || this.#conn.closed || client === undefined) return;
    const abs = this.#conn.abs(watch.path);
    const current = () => !watch.stopped && !this.#conn.closed && client === this.#conn.client;
    let children: string[] | undefined;
    let node: StoredNode | null | undefined;
    let pending = watch.children ? 2 : 1;
    const finish = () => {
      if (--pending > 0 || !current() || node === undefined) return;
      if (node !== null) node.children = children ?? [];
      this.#deliver(watch, node);
    };
    client.getData(abs, watch.watcher, (error, data, stat) => {
      if (!error && stat) {
        node = {
          data: data ? data.toString("utf8") : "",
          version: stat.version,
          ephemeral: !isZero(stat.ephemeralOwner),
          children: [],
          ctime: statTime(stat.ctime),
          mtime: statTime(stat.mtime),
        };
        return finish();
      }
      if (error?.code !== zk.Exception.NO_NODE) return finish(); // reconnect will refresh
      client.exists(abs, watch.watcher, (existsError, existsStat) => {
        if (existsError || !current()) return finish();
        if (existsStat) {
          pending = Infinity; // superseded by a fresh read
          this.#refresh(watch);
          return;
        }
        node = null;
        finish();
      });
    });
    if (!watch.children) return;
    client.getChildren(abs, undefined, (error, names) => {
      if (!error && names) children = [...names].sort();
      finish();
    });
  }

  #deliver(watch: Watch, node: StoredNode | null): void {
    try {
      watch.onChange(node);
    } catch (error) {
      console.error(`zookeeper store: watch callback for ${watch.path} threw:`, error);
    }
  }
}
