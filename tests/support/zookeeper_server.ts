/**
 * Starts a real ZooKeeper server (Debian's `zookeeper` package) for tests, on a free loopback
 * port with its own temporary data directory, and removes it after.
 *
 * @module
 */

/** Where Debian's package puts the jars. */
const JAVA_DIR = "/usr/share/java";
const JARS = [
  "zookeeper.jar",
  "zookeeper-jute.jar",
  "slf4j-api.jar",
  "slf4j-nop.jar",
  "netty-handler.jar",
  "netty-common.jar",
  "netty-buffer.jar",
  "netty-transport.jar",
  "netty-codec.jar",
  "netty-resolver.jar",
  "netty-transport-native-epoll.jar",
  "netty-transport-native-unix-common.jar",
  "metrics-core.jar",
  "snappy-java.jar",
  "commons-cli.jar",
];

/** How to install what the server needs, for error messages. */
export const INSTALL_HINT =
  "ZooKeeper is needed for these tests: on Debian/Ubuntu run `apt-get install zookeeper` " +
  "(it brings the jars to /usr/share/java; Java 11+ must be on PATH)";

/** A running test server. */
export interface ZooKeeperServer {
  /** `127.0.0.1:<port>` */
  readonly connect: string;
  /** The port. */
  readonly port: number;
  /** Stops the server abruptly (SIGKILL), keeping its data, so it can be started again. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data (after `stop`). */
  start(): Promise<void>;
  /** Stops it and removes its data. */
  close(): Promise<void>;
}

/** The classpath for the server, or throws with {@linkcode INSTALL_HINT}. */
export function zookeeperClasspath(): string {
  for (const jar of JARS) {
    try {
      Deno.statSync(`${JAVA_DIR}/${jar}`);
    } catch {
      throw new Error(`${INSTALL_HINT}; missing ${JAVA_DIR}/${jar}`);
    }
  }
  return JARS.map((j) => `${JAVA_DIR}/${j}`).join(":");
}

/** Finds a free TCP port on 127.0.0.1. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      // A ZooKeeper 4-letter word would need whitelisting; a connect is enough to know it listens.
      conn.close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`ZooKeeper did not start listening on 127.0.0.1:${port} in ${timeoutMs} ms`);
}

/** Options of {@linkcode startZooKeeper}. */
export interface ZooKeeperOptions {
  /** More `zoo.cfg` lines (`4lw.commands.whitelist=mntr`, `forceSync=no`, …). */
  config?: string[];
  /** The JVM's largest heap (default `256m`). */
  maxHeap?: string;
}

/** Starts a server on a free port; call `close()` when done. */
export async function startZooKeeper(options: ZooKeeperOptions = {}): Promise<ZooKeeperServer> {
  const classpath = zookeeperClasspath();
  const port = freePort();
  const dir = await Deno.makeTempDir({ prefix: "clusterdeploy-zk-" });
  const config = `${dir}/zoo.cfg`;
  await Deno.writeTextFile(
    config,
    [
      `dataDir=${dir}/data`,
      `clientPort=${port}`,
      `clientPortAddress=127.0.0.1`,
      `tickTime=200`,
      `minSessionTimeout=400`,
      `maxSessionTimeout=60000`,
      `admin.enableServer=false`,
      `maxClientCnxns=0`,
      ...(options.config ?? []),
      "",
    ].join("\n"),
  );
  let child: Deno.ChildProcess | undefined;
  const launch = async () => {
    child = new Deno.Command("java", {
      args: [
        "-Xms64m",
        `-Xmx${options.maxHeap ?? "256m"}`,
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
        "-Dzookeeper.admin.enableServer=false",
        "-cp",
        classpath,
        "org.apache.zookeeper.server.ZooKeeperServerMain",
        config,
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    await waitForPort(port, 20_000);
  };
  const kill = async () => {
    if (child === undefined) return;
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
    await child.status;
    child = undefined;
  };
  await launch();
  return {
    connect: `127.0.0.1:${port}`,
    port,
    stop: kill,
    start: launch,
    async close() {
      await kill();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
