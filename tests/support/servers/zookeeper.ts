/**
 * Starts real ZooKeeper servers (Debian's `zookeeper` package) for tests: a single server, or a
 * 3-server ensemble, on free loopback ports with their own temporary data directories, and
 * removes them after.
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
  /** Freezes the server process (SIGSTOP): connections stay open, nothing is answered. */
  pause(): void;
  /** Lets a paused server go on (SIGCONT). */
  resume(): void;
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
      conn.close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`ZooKeeper did not start listening on 127.0.0.1:${port} in ${timeoutMs} ms`);
}

/** Finds `n` distinct free TCP ports on 127.0.0.1 (all held open until every one is chosen). */
export function freePorts(n: number): number[] {
  const listeners = Array.from(
    { length: n },
    () => Deno.listen({ hostname: "127.0.0.1", port: 0 }),
  );
  const ports = listeners.map((l) => (l.addr as Deno.NetAddr).port);
  for (const listener of listeners) listener.close();
  return ports;
}

/** Settings every test server gets: fast ticks, 4-letter words for `srvr`, no admin server. */
function commonConfig(dataDir: string, clientPort: number): string[] {
  return [
    `dataDir=${dataDir}`,
    `clientPort=${clientPort}`,
    `clientPortAddress=127.0.0.1`,
    `minSessionTimeout=400`,
    `maxSessionTimeout=60000`,
    `admin.enableServer=false`,
    `maxClientCnxns=0`,
    `4lw.commands.whitelist=srvr,mntr,ruok`,
  ];
}

/**
 * `lines` with `extra` laid over them: a key `extra` sets replaces the line with that key
 * (`4lw.commands.whitelist=...`, `maxSessionTimeout=...`), other `extra` lines are added.
 */
function overlayConfig(lines: string[], extra: string[]): string[] {
  const key = (line: string) => line.slice(0, line.indexOf("="));
  const replaced = new Set(extra.map(key));
  return [...lines.filter((line) => !replaced.has(key(line))), ...extra];
}

/** One server process: started, killed (SIGKILL) and started again on the same config. */
function serverProcess(mainClass: string, config: string, clientPort: number, maxHeap = "256m") {
  const classpath = zookeeperClasspath();
  let child: Deno.ChildProcess | undefined;
  return {
    async start(): Promise<void> {
      child = new Deno.Command("java", {
        args: [
          "-Xms64m",
          `-Xmx${maxHeap}`,
          "-XX:+UseSerialGC",
          "-XX:TieredStopAtLevel=1",
          "-Dzookeeper.admin.enableServer=false",
          "-cp",
          classpath,
          mainClass,
          config,
        ],
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
      await waitForPort(clientPort, 20_000);
    },
    signal(signal: Deno.Signal): void {
      child?.kill(signal);
    },
    async kill(): Promise<void> {
      if (child === undefined) return;
      try {
        child.kill("SIGCONT"); // a paused server would not die before it runs again
      } catch { /* gone */ }
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
      await child.status;
      child = undefined;
    },
  };
}

/** Options of {@linkcode startZooKeeper}. */
export interface ZooKeeperOptions {
  /** The client port (default: a free one), e.g. to start a server an agent already waits for. */
  port?: number;
  /**
   * More `zoo.cfg` lines (`forceSync=no`, `4lw.commands.whitelist=mntr,cons`, …); one whose key
   * is among the defaults replaces that default.
   */
  config?: string[];
  /** The JVM's largest heap (default `256m`). */
  maxHeap?: string;
}

/** Starts a server (on a free port unless `options.port`); call `close()` when done. */
export async function startZooKeeper(options: ZooKeeperOptions = {}): Promise<ZooKeeperServer> {
  const port = options.port ?? freePort();
  const dir = await Deno.makeTempDir({ prefix: "clusterdeploy-zk-" });
  const config = `${dir}/zoo.cfg`;
  await Deno.writeTextFile(
    config,
    [
      ...overlayConfig(
        [...commonConfig(`${dir}/data`, port), `tickTime=200`],
        options.config ?? [],
      ),
      "",
    ].join("\n"),
  );
  const server = serverProcess(
    "org.apache.zookeeper.server.ZooKeeperServerMain",
    config,
    port,
    options.maxHeap,
  );
  await server.start();
  return {
    connect: `127.0.0.1:${port}`,
    port,
    stop: server.kill,
    start: server.start,
    pause: () => server.signal("SIGSTOP"),
    resume: () => server.signal("SIGCONT"),
    async close() {
      await server.kill();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** Asks a server a four-letter word (`srvr`, `mntr`, `ruok`); "" when it does not answer. */
export async function fourLetterWord(port: number, word: string): Promise<string> {
  let conn: Deno.Conn;
  try {
    conn = await Deno.connect({ hostname: "127.0.0.1", port });
  } catch {
    return "";
  }
  try {
    await conn.write(new TextEncoder().encode(word));
    return await new Response(conn.readable).text();
  } catch {
    return "";
  }
}

/** A member of a test ensemble. */
export interface EnsembleMember {
  /** Its `myid`. */
  readonly id: number;
  /** Its client port. */
  readonly port: number;
  /** Kills it (SIGKILL), keeping its data. */
  stop(): Promise<void>;
  /** Starts it again. */
  start(): Promise<void>;
  /** `leader`, `follower`, or "" while it does not serve (from `srvr`). */
  mode(): Promise<string>;
}

/** A running test ensemble. */
export interface ZooKeeperEnsemble {
  /** Every member's `127.0.0.1:<port>`, comma-separated. */
  readonly connect: string;
  /** The members, by id. */
  readonly members: readonly EnsembleMember[];
  /** The member that is leader now (waits until one is). */
  leader(): Promise<EnsembleMember>;
  /** Stops every member and removes their data. */
  close(): Promise<void>;
}

/**
 * Starts a ZooKeeper ensemble of `size` servers (QuorumPeerMain), each with its own client,
 * quorum and election ports (distinct free loopback ports) and data directory; resolves once
 * it serves (one leader, the others following).
 */
export async function startZooKeeperEnsemble(size = 3): Promise<ZooKeeperEnsemble> {
  const ports = freePorts(size * 3);
  const dir = await Deno.makeTempDir({ prefix: "clusterdeploy-zk-ensemble-" });
  const ids = Array.from({ length: size }, (_, i) => i + 1);
  const peers = ids.map((id, i) =>
    `server.${id}=127.0.0.1:${ports[size + 2 * i]}:${ports[size + 2 * i + 1]}`
  );
  const members: (EnsembleMember & { kill(): Promise<void> })[] = [];
  for (const [i, id] of ids.entries()) {
    const data = `${dir}/s${id}`;
    await Deno.mkdir(data, { recursive: true });
    await Deno.writeTextFile(`${data}/myid`, `${id}\n`);
    const config = `${data}/zoo.cfg`;
    await Deno.writeTextFile(
      config,
      [
        ...commonConfig(data, ports[i]),
        `tickTime=250`,
        `initLimit=20`,
        `syncLimit=10`,
        `forceSync=no`,
        `standaloneEnabled=false`,
        ...peers,
        "",
      ].join("\n"),
    );
    const server = serverProcess(
      "org.apache.zookeeper.server.quorum.QuorumPeerMain",
      config,
      ports[i],
    );
    members.push({
      id,
      port: ports[i],
      stop: server.kill,
      start: server.start,
      kill: server.kill,
      async mode() {
        const match = /^Mode: (\w+)/m.exec(await fourLetterWord(ports[i], "srvr"));
        return match?.[1] ?? "";
      },
    });
  }
  const close = async () => {
    await Promise.all(members.map((m) => m.kill()));
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  const leader = async (): Promise<EnsembleMember> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      for (const member of members) if (await member.mode() === "leader") return member;
      if (Date.now() > deadline) throw new Error("the test ensemble elected no leader in 30 s");
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  try {
    await Promise.all(members.map((m) => m.start()));
    const deadline = Date.now() + 30_000;
    for (;;) {
      const modes = await Promise.all(members.map((m) => m.mode()));
      if (modes.filter((m) => m === "leader").length === 1 && modes.every((m) => m !== "")) break;
      if (Date.now() > deadline) throw new Error(`the test ensemble did not form: ${modes}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (error) {
    await close();
    throw error;
  }
  return {
    connect: members.map((m) => `127.0.0.1:${m.port}`).join(","),
    members,
    leader,
    close,
  };
}
