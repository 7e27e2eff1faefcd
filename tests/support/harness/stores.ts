/**
 * The two store kinds, for tests that run the same thing on both: a real ZooKeeper server (one
 * per call, removed after) and the embedded local store in a temp file.
 *
 * @module
 */
import type { Store } from "../../../lib/store/types.ts";
import { openStore } from "../../../lib/store/open.ts";
import { startZooKeeper } from "../servers/zookeeper.ts";

/** A store kind under test: opens stores that share one tree, and removes it all after. */
export interface StoreFixture {
  /** `zookeeper` or `local`. */
  readonly kind: string;
  /** The connect string (`127.0.0.1:port` or `file:/tmp/...`). */
  readonly connect: string;
  /** Opens another client on the same tree. */
  open(): Promise<Store>;
  /** Closes every opened client and removes the server or file. */
  close(): Promise<void>;
}

function fixture(
  kind: string,
  connect: string,
  cleanup: () => Promise<void>,
): StoreFixture {
  const opened: Store[] = [];
  return {
    kind,
    connect,
    async open() {
      const store = await openStore(connect);
      opened.push(store);
      return store;
    },
    async close() {
      for (const store of opened) await store.close().catch(() => {});
      await cleanup();
    },
  };
}

/** Starts a fresh ZooKeeper server. */
export async function zookeeperFixture(): Promise<StoreFixture> {
  const server = await startZooKeeper();
  return fixture("zookeeper", server.connect, () => server.close());
}

/** Makes a fresh embedded store file. */
export async function localFixture(): Promise<StoreFixture> {
  const dir = await Deno.makeTempDir({ prefix: "clusterdeploy-local-" });
  return fixture(
    "local",
    `file:${dir}/tree.json`,
    () => Deno.remove(dir, { recursive: true }).catch(() => {}),
  );
}

/** Both kinds, for table-driven tests. */
export const STORE_KINDS: { name: string; make: () => Promise<StoreFixture> }[] = [
  { name: "zookeeper", make: zookeeperFixture },
  { name: "local", make: localFixture },
];
