/**
 * A cluster for `serve`'s tests: a real ZooKeeper, a real git repository synced into it, real
 * agent processes on temp roots (see agent_real_host.ts), and `clusterdeploy serve` processes
 * whose log is collected and whose URL is read from it.
 *
 * @module
 */
import { memoryLogger } from "../../../lib/log.ts";
import { RealRunner } from "../../../lib/proc/real.ts";
import { connectZooKeeper } from "../../../lib/store/zookeeper/mod.ts";
import type { Store } from "../../../lib/store/types.ts";
import { syncRepository } from "../../../lib/sync/sync.ts";
import { AgentProcess, deployScript, RealHost } from "./agent_real_host.ts";
import { makeRepo, type TestRepo } from "./git_repo.ts";
import { waitFor } from "./wait.ts";
import { startZooKeeper, type ZooKeeperServer } from "../servers/zookeeper.ts";

const MAIN = new URL("../../../main.ts", import.meta.url).pathname;

/** A deploy script that fails with `error` on standard error, until `$TEST_ROOT/fixed` exists. */
export function failingScript(error: string): string {
  return `#!/bin/sh\n[ -e "$TEST_ROOT/fixed" ] && exit 0\n` +
    `echo '${error.replaceAll("'", "'\\''")}' >&2\nexit 3\n`;
}

/** A running `clusterdeploy serve`. */
export class ServeProcess {
  /** Its log lines so far. */
  readonly process: AgentProcess;
  /** Its base URL (`http://127.0.0.1:PORT`), once listening. */
  url = "";

  private constructor(process: AgentProcess) {
    this.process = process;
  }

  /** Starts `main.ts serve --store STORE --listen LISTEN ARGS` and waits for its URL. */
  static async start(
    store: string,
    args: string[] = [],
    listen = "127.0.0.1:0",
  ): Promise<ServeProcess> {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--quiet",
        MAIN,
        "serve",
        "--store",
        store,
        "--listen",
        listen,
        ...args,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    const serve = new ServeProcess(new AgentProcess(child));
    await waitFor("serve to log its URL", () => {
      const line = serve.process.lines.find((l) => l.includes("INFO serve: http"));
      if (line) serve.url = /(https?:\/\/\S+?)\/ /.exec(line)![1];
      return line !== undefined;
    }, 20_000);
    return serve;
  }

  /** Stops it (SIGTERM). */
  stop(): Promise<{ code: number; stdout: string }> {
    return this.process.stop();
  }
}

/** The cluster. */
export interface ServeCluster {
  readonly zk: ZooKeeperServer;
  readonly store: Store;
  readonly dir: string;
  readonly repo: TestRepo;
  readonly hosts: RealHost[];
  readonly agents: AgentProcess[];
  /** Writes `cluster.zk` with `text`, commits and syncs; the commit. */
  sync(text: string): Promise<string>;
  /** Stops everything. */
  close(): Promise<void>;
}

/** The hosts' packages: webapp 1.0 and 2.0 deploy; 9.9 fails with `error`. */
export function packages(error: string): Record<string, Record<string, string>> {
  return {
    webapp: {
      "1.0": deployScript("webapp", "1.0"),
      "2.0": deployScript("webapp", "2.0"),
      "9.9": failingScript(error),
    },
  };
}

/** The tree deploying webapp `version` to every host of `names` (one app per host). */
export function tree(version: string, names: string[], failOn?: string): string {
  return names.map((name) =>
    `/cust-${name}\n  /web : webapp\n    version = '${name === failOn ? "9.9" : version}'\n` +
    `    /deploy\n      /${name}\n`
  ).join("");
}

/** Starts ZooKeeper, syncs `first`, starts an agent per host name and waits for them. */
export async function startServeCluster(
  names: string[],
  error = "boom",
  prefix = "serve-",
): Promise<ServeCluster> {
  const zk = await startZooKeeper();
  const dir = await Deno.makeTempDir({ prefix });
  const store = await connectZooKeeper(zk.connect);
  const repo = await makeRepo(dir);
  const hosts: RealHost[] = [];
  for (const [i, name] of names.entries()) {
    hosts.push(
      await RealHost.make(
        dir,
        (0xa0a0a0a0a0 + i).toString(16).padStart(12, "0"),
        name,
        packages(error),
      ),
    );
  }
  const sync = async (text: string) => {
    await repo.write("cluster.zk", text);
    await repo.commit(`tree ${Date.now()}`);
    const result = await syncRepository({
      store,
      runner: new RealRunner(),
      log: memoryLogger(),
      repoUrl: repo.path,
      treeDir: `${dir}/checkout`,
    });
    if (result.status !== "synced") throw new Error(`sync: ${result.status}`);
    return result.commit!;
  };
  const v1 = await sync(tree("1.0", names));
  const agents = hosts.map((h) => h.spawnAgent(["--store", zk.connect]));
  await waitFor("every host at the first commit", async () => {
    const nodes = await store.getMany(hosts.map((h) => `/hosts/${h.id}`));
    return nodes.every((n) => n !== null && n.data.includes(v1));
  }, 30_000);
  return {
    zk,
    store,
    dir,
    repo,
    hosts,
    agents,
    sync,
    async close() {
      await Promise.all(agents.map((a) => a.stop()));
      await store.close();
      await zk.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
