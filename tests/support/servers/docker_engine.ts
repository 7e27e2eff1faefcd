/**
 * Private Docker engines and a private image registry for the real-engine handler tests, like
 * tests/support/servers/zookeeper.ts does for ZooKeeper: each engine is a `dockerd` (Debian's
 * docker.io) with its own socket, data root, exec root and containerd namespace in a temporary
 * directory, with no network bridge and no iptables (containers use `network_mode: none`); the
 * registry is Debian's `docker-registry serve` on a free loopback port. Both are always stopped
 * and their directories removed by `close()`. An engine that cannot start is an error carrying
 * the daemon's own output — never a skip.
 *
 * @module
 */
import { freePort } from "./zookeeper.ts";

/**
 * The Docker CLI the tests use: Debian's, matching the engine (20.10). Another `docker` earlier
 * on PATH (e.g. a newer CLI in /usr/local/bin) is deliberately not used.
 */
export const DOCKER_CLI = "/usr/bin/docker";
/** The engine. */
export const DOCKERD = "/usr/sbin/dockerd";
/** docker-compose 1.29 (Debian's). */
export const DOCKER_COMPOSE = "/usr/bin/docker-compose";
/** The distribution registry. */
export const DOCKER_REGISTRY = "/usr/bin/docker-registry";
/** A static busybox, the only binary of the test image. */
export const BUSYBOX = "/bin/busybox";

/** The Debian packages these tests need. */
export const DOCKER_PACKAGES = ["docker.io", "docker-compose", "docker-registry", "busybox-static"];

/** How to install what the real-engine tests need, for error messages. */
export const DOCKER_INSTALL_HINT =
  "The real-engine handler tests need, as root on Debian/Ubuntu: `apt-get install " +
  `${DOCKER_PACKAGES.join(" ")}\` (dockerd, docker-compose 1.29, the registry, a static busybox)`;

/** Which of the needed programs are missing. */
export function missingDockerPrograms(): string[] {
  return [DOCKER_CLI, DOCKERD, DOCKER_COMPOSE, DOCKER_REGISTRY, BUSYBOX].filter((path) => {
    try {
      return !Deno.statSync(path).isFile;
    } catch {
      return true;
    }
  });
}

/** A command's result. */
export interface Output {
  /** Exit status. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** Runs a command and captures its output. */
export async function capture(
  argv: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<Output> {
  const out = await new Deno.Command(argv[0], {
    args: argv.slice(1),
    env: options.env,
    cwd: options.cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

/** A running private engine. */
export interface DockerEngine {
  /** Its directory (socket, data root, exec root, log). */
  readonly dir: string;
  /** `unix://<dir>/docker.sock`, for `DOCKER_HOST`. */
  readonly host: string;
  /** Runs the Docker CLI against this engine; throws with its output when it fails. */
  docker(...args: string[]): Promise<string>;
  /** Runs the Docker CLI against this engine and returns whatever happened. */
  tryDocker(...args: string[]): Promise<Output>;
  /** Stops the engine (its containers with it) and removes its directory. */
  close(): Promise<void>;
}

async function sleep(ms: number) {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Starts an engine in a new directory under `parent`; `name` tells engines apart. */
export async function startEngine(parent: string, name: string): Promise<DockerEngine> {
  const dir = `${parent}/${name}-engine`;
  await Deno.mkdir(dir); // fails if it exists: never two engines on one socket
  await Deno.writeTextFile(`${dir}/daemon.json`, "{}\n");
  const host = `unix://${dir}/docker.sock`;
  const log = await Deno.open(`${dir}/dockerd.log`, { write: true, create: true, truncate: true });
  const namespace = `clusterdeploy-${name}-${crypto.randomUUID().slice(0, 8)}`;
  const child = new Deno.Command(DOCKERD, {
    args: [
      "--config-file",
      `${dir}/daemon.json`,
      "--data-root",
      `${dir}/data`,
      "--exec-root",
      `${dir}/exec`,
      "--pidfile",
      `${dir}/docker.pid`,
      "-H",
      host,
      "--iptables=false",
      "--ip-masq=false",
      "--bridge=none",
      "--containerd-namespace",
      namespace,
      "--containerd-plugins-namespace",
      `${namespace}-plugins`,
      "--shutdown-timeout",
      "3",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const logged = child.stderr.pipeTo(log.writable).catch(() => {});
  let exited: Deno.CommandStatus | undefined;
  const status = child.status.then((s) => exited = s);
  const env = { DOCKER_HOST: host };
  const tryDocker = (...args: string[]) => capture([DOCKER_CLI, ...args], { env });
  const daemonLog = async () => {
    try {
      return (await Deno.readTextFile(`${dir}/dockerd.log`)).trim().split("\n").slice(-15)
        .join("\n");
    } catch {
      return "(no log)";
    }
  };
  const stop = async () => {
    if (exited === undefined) {
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
      const deadline = Date.now() + 15_000;
      while (exited === undefined && Date.now() < deadline) await sleep(50);
      if (exited === undefined) {
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
      }
    }
    await status;
    await logged;
    await unmountUnder(dir);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  const deadline = Date.now() + 60_000;
  while (true) {
    if (exited !== undefined) {
      const why = await daemonLog();
      await stop();
      throw new Error(
        `dockerd for ${name} exited with status ${exited.code} at start-up:\n${why}\n` +
          `(${DOCKER_INSTALL_HINT}; the engine must run as root)`,
      );
    }
    if ((await tryDocker("version")).code === 0) break;
    if (Date.now() > deadline) {
      const why = await daemonLog();
      await stop();
      throw new Error(`dockerd for ${name} did not answer on ${host} within 60 s:\n${why}`);
    }
    await sleep(100);
  }
  return {
    dir,
    host,
    tryDocker,
    async docker(...args: string[]) {
      const out = await tryDocker(...args);
      if (out.code !== 0) {
        throw new Error(`docker ${args.join(" ")} (${name}): exit ${out.code}: ${out.stderr}`);
      }
      return out.stdout;
    },
    close: stop,
  };
}

/** Lazily unmounts whatever is still mounted under `dir` (deepest first). */
async function unmountUnder(dir: string): Promise<void> {
  let mounts: string[] = [];
  try {
    mounts = (await Deno.readTextFile("/proc/self/mountinfo")).split("\n")
      .map((line) => line.split(" ")[4])
      .filter((point) => point !== undefined && point.startsWith(`${dir}/`));
  } catch {
    return;
  }
  for (const point of mounts.sort().reverse()) {
    await capture(["umount", "-l", point]).catch(() => {});
  }
}

/** A running private registry. */
export interface Registry {
  /** `127.0.0.1:<port>`, the prefix of image names. */
  readonly address: string;
  /** Stops it and removes its storage. */
  close(): Promise<void>;
}

/** Starts a registry on a free loopback port, storing under `parent`. */
export async function startRegistry(parent: string): Promise<Registry> {
  const dir = `${parent}/registry`;
  await Deno.mkdir(dir, { recursive: true });
  const port = freePort();
  await Deno.writeTextFile(
    `${dir}/config.yml`,
    [
      "version: 0.1",
      "log:",
      "  level: error",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${dir}/data`,
      "http:",
      `  addr: 127.0.0.1:${port}`,
      "",
    ].join("\n"),
  );
  const log = await Deno.open(`${dir}/registry.log`, { write: true, create: true });
  const child = new Deno.Command(DOCKER_REGISTRY, {
    args: ["serve", `${dir}/config.yml`],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const logged = child.stderr.pipeTo(log.writable).catch(() => {});
  let exited = false;
  const status = child.status.then(() => exited = true);
  const close = async () => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
    await status;
    await logged;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  const deadline = Date.now() + 20_000;
  while (true) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      break;
    } catch {
      if (exited || Date.now() > deadline) {
        const why = await Deno.readTextFile(`${dir}/registry.log`).catch(() => "");
        await close();
        throw new Error(`docker-registry did not start on 127.0.0.1:${port}:\n${why}`);
      }
      await sleep(50);
    }
  }
  return { address: `127.0.0.1:${port}`, close };
}

/**
 * Builds the test image — busybox-static's binary and a few applet links, imported with
 * `docker import` — on `engine`, and pushes it to the registry as `<registry>/busybox:1`.
 * Returns the image name.
 */
export async function pushBusybox(engine: DockerEngine, registry: Registry): Promise<string> {
  const root = `${engine.dir}/busybox-rootfs`;
  await Deno.mkdir(`${root}/bin`, { recursive: true });
  await Deno.mkdir(`${root}/tmp`, { recursive: true });
  await Deno.copyFile(BUSYBOX, `${root}/bin/busybox`);
  await Deno.chmod(`${root}/bin/busybox`, 0o755);
  for (const applet of ["sh", "cat", "echo", "sleep", "ls", "date", "mkdir", "rm", "test"]) {
    await Deno.symlink("busybox", `${root}/bin/${applet}`);
  }
  const tar = `${engine.dir}/busybox.tar`;
  const packed = await capture(["tar", "-C", root, "-cf", tar, "."]);
  if (packed.code !== 0) throw new Error(`tar: ${packed.stderr}`);
  const image = `${registry.address}/busybox:1`;
  await engine.docker("import", "--change", 'CMD ["sh"]', tar, image);
  await engine.docker("push", image);
  return image;
}
