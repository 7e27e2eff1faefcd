/**
 * The store contract, run against both stores: ZooKeeper (a real server) and the local file.
 *
 * Covers: lib/store/embedded/mod.ts, lib/store/open.ts, lib/store/zookeeper/mod.ts.
 *
 * @module
 */
import { equal } from "node:assert/strict";
import { connectZooKeeper } from "../../lib/store/zookeeper/mod.ts";
import { openLocalStore } from "../../lib/store/embedded/mod.ts";
import { openStore } from "../../lib/store/open.ts";
import { startZooKeeper } from "../support/servers/zookeeper.ts";
import { storeContract } from "../support/harness/store_contract.ts";

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

Deno.test("a ZooKeeper store without network permission fails at once and says so", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const script = `${dir}/connect.ts`;
    const store = new URL("../../lib/store/zookeeper/mod.ts", import.meta.url).href;
    await Deno.writeTextFile(
      script,
      `import { connectZooKeeper } from "${store}";\n` +
        `try { await connectZooKeeper("127.0.0.1:2181"); } catch (e) { console.log(e.code, e.message); }\n`,
    );
    // No --allow-net: the permission is missing, not the server.
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-prompt",
        `--config=${new URL("../../deno.json", import.meta.url).pathname}`,
        script,
      ],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    equal(
      new TextDecoder().decode(out.stdout).trim(),
      "PERMISSION no permission to connect to 127.0.0.1:2181: run with --allow-net " +
        "(or --allow-net=127.0.0.1:2181)",
      new TextDecoder().decode(out.stderr),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
