/**
 * `agent --assert-zookeeper-address ADDRESS` (`-z`), on a real ZooKeeper started here: the agent
 * starts when the connect string's host (`localhost`) resolves to ADDRESS and refuses (exit 2,
 * nothing registered) when it does not, or when the store is a `file:` store; the check of an
 * ensemble's hosts with a resolver given by the test.
 *
 * Covers: lib/agent/assert_address.ts, lib/agent/cli_run.ts, agent.ts.
 */
import { deepEqual, equal, rejects } from "node:assert/strict";
import { assertStoreAddress, connectHosts } from "../../lib/agent/assert_address.ts";
import { connectZooKeeper } from "../../lib/store/zookeeper/mod.ts";
import { printTree } from "../support/harness/agent_cluster.ts";
import { runEntrypoint } from "../support/harness/cli.ts";
import { startZooKeeper } from "../support/servers/zookeeper.ts";

async function hostRoot(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "agent-z-" });
  await Deno.mkdir(`${root}/etc/zmh`, { recursive: true });
  await Deno.mkdir(`${root}/opt`);
  await Deno.writeTextFile(`${root}/etc/zmh/pxemac`, "777777777777\n");
  return root;
}

Deno.test("agent -z: starts when localhost resolves to the address, else exit 2 and nothing registered", async () => {
  const server = await startZooKeeper();
  const store = await connectZooKeeper(server.connect);
  const root = await hostRoot();
  try {
    await store.create("/hosts", '{"version": 1}');
    const connect = `localhost:${server.port}`;
    const agent = (...flags: string[]) =>
      runEntrypoint("agent.ts", ["--store", connect, "--root", root, "--run-once", ...flags]);
    const refused = await agent("-z", "127.0.0.2");
    deepEqual([refused.code, refused.stdout, refused.stderr], [
      2,
      "",
      "error: Invalid zookeeper address: localhost resolves to 127.0.0.1, not 127.0.0.2\n",
    ]);
    equal(await printTree(store), "/hosts\n  version = 1\n");
    const other = await agent("--assert-zookeeper-address", "10.1.2.3,127.0.0.3");
    equal(other.code, 2);
    equal(
      other.stderr,
      "error: Invalid zookeeper address: localhost resolves to 127.0.0.1, not 10.1.2.3 or 127.0.0.3\n",
    );
    const started = await agent("-z", "127.0.0.1");
    equal(started.code, 0, started.stderr);
    equal(
      started.stderr.includes("INFO Agent starting, cluster 1, host None"),
      true,
      started.stderr,
    );
  } finally {
    await store.close();
    await server.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("agent -z: a file: store is refused (there is no address to check)", async () => {
  const root = await hostRoot();
  try {
    const run = await runEntrypoint("agent.ts", [
      "--store",
      `file:${root}/store.db`,
      "--root",
      root,
      "--run-once",
      "-z",
      "127.0.0.1",
    ]);
    deepEqual([run.code, run.stderr], [
      2,
      `error: --assert-zookeeper-address 127.0.0.1: the store file:${root}/store.db is a local ` +
      "file, not ZooKeeper: there is no address to check\n",
    ]);
    // Refused before the store was opened: the file was never created.
    await rejects(Deno.stat(`${root}/store.db`), Deno.errors.NotFound);
    const bad = await runEntrypoint("agent.ts", ["--store", "localhost:1", "-z", "zookeeper"]);
    deepEqual([bad.code, bad.stderr], [
      2,
      "error: --assert-zookeeper-address must be an IP address (or a comma-separated list), not 'zookeeper'\n",
    ]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("assert address: every host of an ensemble must resolve to one of the addresses", async () => {
  deepEqual(connectHosts("zk1:2181,[::1]:2182,10.0.0.3/chroot"), ["zk1", "::1", "10.0.0.3"]);
  const dns: Record<string, string[]> = { zk1: ["10.0.0.1"], zk2: ["10.0.0.2", "fd00::2"] };
  const resolve = (host: string) =>
    dns[host] ? Promise.resolve(dns[host]) : Promise.reject(new Error("ENOTFOUND"));
  await assertStoreAddress("zk1:2181,zk2:2181", "10.0.0.1,fd00::2", resolve);
  await rejects(assertStoreAddress("zk1:2181,zk2:2181", "10.0.0.1", resolve), {
    message: "Invalid zookeeper address: zk2 resolves to 10.0.0.2, fd00::2, not 10.0.0.1",
  });
  await rejects(assertStoreAddress("zk3:2181", "10.0.0.1", resolve), {
    message: "Invalid zookeeper address: cannot resolve zk3: ENOTFOUND",
  });
});
