/**
 * The store contract, run against both stores: ZooKeeper (a real server) and the local file.
 *
 * @module
 */
import { connectZooKeeper } from "../lib/store/zookeeper.ts";
import { openLocalStore } from "../lib/store/local.ts";
import { openStore } from "../lib/store/open.ts";
import { startZooKeeper } from "./support/zookeeper_server.ts";
import { storeContract } from "./support/store_contract.ts";

Deno.test({
  name: "store contract: zookeeper",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startZooKeeper();
    try {
      await storeContract(t, () => connectZooKeeper(server.connect), "/contract");
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "store contract: zookeeper with chroot (via openStore)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startZooKeeper();
    try {
      await storeContract(t, () => openStore(`${server.connect}/some/chroot`), "/c");
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "store contract: local file",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "clusterdeploy-local-" });
    try {
      await storeContract(t, () => openLocalStore(`${dir}/sub/tree.json`), "/contract");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
