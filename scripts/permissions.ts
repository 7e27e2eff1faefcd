/**
 * The permissions of every clusterdeploy binary, in one place: `deno task compile` bakes them
 * into the binaries and `tests/permissions_test.ts` runs each entrypoint under exactly these
 * flags (and checks that dropping any one of them makes a real run fail).
 *
 * Paths and the Consul address that a site may want elsewhere are written as `{name}`
 * placeholders, filled from a {@linkcode Layout} ({@linkcode DEFAULT_LAYOUT} unless the compile
 * task is told otherwise; the tests use temporary directories). `deno compile` fixes permissions
 * at build time, so a binary cannot follow a runtime option (`--tree-dir`, `--deploy-dir`,
 * `--consul`) outside its layout: such a run fails with Deno's "Requires … access" error.
 *
 * @module
 */

/** The four entrypoints that become binaries. */
export type Entrypoint = "sync.ts" | "agent.ts" | "handler.ts" | "main.ts";

/** Site-dependent values the permission flags refer to as `{name}`. */
export interface Layout {
  /** sync's working checkouts: `$XDG_CACHE_HOME/clusterdeploy` (the sync unit sets
   * `XDG_CACHE_HOME=/var/cache`). */
  readonly cacheDir: readonly string[];
  /** Where the embedded store lives (`--store file:/var/lib/clusterdeploy/store.json`). */
  readonly stateDir: readonly string[];
  /** The handler's `--deploy-dir`: application checkouts and the handled-events record. */
  readonly deployDir: readonly string[];
  /** The temporary directory (`$TMPDIR`, else `/tmp`): the handler's test mode clones there. */
  readonly tmpDir: readonly string[];
  /** The local Consul agent's HTTP address(es), `host:port` (the handler's `--consul`). */
  readonly consul: readonly string[];
}

/** The layout of an installed host (packaging/README.md). */
export const DEFAULT_LAYOUT: Layout = {
  cacheDir: ["/var/cache/clusterdeploy"],
  stateDir: ["/var/lib/clusterdeploy"],
  deployDir: ["/deploy"],
  tmpDir: ["/tmp"],
  consul: ["127.0.0.1:8500", "localhost:8500"],
};

/** One permission flag and why the binary needs it. */
export interface Grant {
  /** The flag, e.g. `--allow-read`. */
  readonly flag: string;
  /** Its allow-list (`{name}` placeholders allowed); absent: unrestricted. */
  readonly values?: readonly string[];
  /** Why: what code needs it. Shown by `deno task compile --print` and in docs/operating.md's table. */
  readonly why: string;
}

/** One binary: its entrypoint, its permissions and the data files it embeds. */
export interface BinarySpec {
  /** The file name in `dist/`. */
  readonly binary: string;
  /** Every permission it has. Anything not listed is denied (compiled binaries never prompt). */
  readonly grants: readonly Grant[];
  /** Files or directories embedded with `deno compile --include`. */
  readonly include?: readonly string[];
}

/**
 * Read by npm:commander when it prints help or a usage error, to decide on colours (`NO_COLOR`
 * needs no permission). Without them `--help` dies with NotCapable.
 */
const COMMANDER_ENV = ["FORCE_COLOR", "CLICOLOR_FORCE"];
/** Read by npm:yaml on every parse (its own debug switches): the handler reads compose files. */
const YAML_ENV = ["LOG_TOKENS", "LOG_STREAM"];
/**
 * Set by the embedded store when it opens (lib/store/embedded/owners.ts): the programs a process
 * starts inherit it, so its locks stay held while they run.
 */
const STORE_OWNER_ENV = ["CLUSTERDEPLOY_STORE_OWNER"];
/** What sync reads: its store default and its default checkout directory. */
const SYNC_ENV = [
  "CLUSTERDEPLOY_STORE",
  "XDG_CACHE_HOME",
  "HOME",
  "USER",
  "LOGNAME",
  ...STORE_OWNER_ENV,
  ...COMMANDER_ENV,
];
/** What the agent reads: its store default and its `--root` default. */
const AGENT_ENV = ["CLUSTERDEPLOY_STORE", "TEST_ROOT", ...STORE_OWNER_ENV, ...COMMANDER_ENV];
/** What the handler reads: its `--consul` default. */
const HANDLER_ENV = ["CONSUL_HTTP_ADDR", ...YAML_ENV, ...COMMANDER_ENV];
/** Programs the handler runs (argv arrays, resolved on PATH when the binary starts). */
const HANDLER_RUN = ["git", "docker", "docker-compose", "buttervolume", "rm", "sh"];

/** Entrypoint → binary, permissions and embedded files. */
export const PERMISSIONS: Readonly<Record<Entrypoint, BinarySpec>> = {
  "sync.ts": {
    binary: "clusterdeploy-sync",
    grants: [
      {
        flag: "--allow-net",
        why: "ZooKeeper (node-zookeeper-client over node:net); the ensemble is runtime config " +
          "(--store, $CLUSTERDEPLOY_STORE), so no host list. The git remote is reached by git, " +
          "not by Deno.",
      },
      {
        flag: "--allow-read",
        values: ["{cacheDir}", "{stateDir}"],
        why: "the working checkout's *.zk/*.zkx files (default tree dir under " +
          "$XDG_CACHE_HOME/clusterdeploy) and the embedded store file with its SQLite -wal/-shm " +
          "files and its .owners lock files",
      },
      {
        flag: "--allow-write",
        values: ["{cacheDir}", "{stateDir}"],
        why: "the checkout lock <tree-dir>.lock (one sync at a time per checkout) and the " +
          "embedded store file (SQLite, with its -wal/-shm files and .owners lock files). The " +
          "checkout itself is written by git, a child process, which Deno's permissions do not " +
          "confine",
      },
      {
        flag: "--allow-run",
        values: ["git"],
        why: "clone / fetch / reset / rev-parse of the tree repository (argv only)",
      },
      {
        flag: "--allow-env",
        values: SYNC_ENV,
        why: "CLUSTERDEPLOY_STORE: --store default; XDG_CACHE_HOME, HOME: default --tree-dir; " +
          "USER, LOGNAME: who ran the sync, for its rollout record; " +
          "CLUSTERDEPLOY_STORE_OWNER: set by the embedded store for the programs it starts; " +
          "FORCE_COLOR, CLICOLOR_FORCE: commander's colour check for --help and usage errors",
      },
    ],
  },
  "agent.ts": {
    binary: "clusterdeploy-agent",
    grants: [
      {
        flag: "--allow-net",
        why: "ZooKeeper; the ensemble is runtime config (--store, $CLUSTERDEPLOY_STORE); " +
          "http(s):// values of --config and -z's name lookups",
      },
      {
        flag: "--allow-read",
        why: "its --root is / on a host: etc/zmh/pxemac, etc/zim/*, /opt/*/bin/zookeeper-deploy, " +
          "the etc/<app>/*.deployed markers of any app, file: stores, the --config file, its " +
          "file:/// values and its run-directory",
      },
      {
        flag: "--allow-write",
        why: "etc/zim/host_version, removal of stale /opt/<pkg> checkouts and markers below " +
          "the root (/), and file: stores",
      },
      {
        flag: "--allow-run",
        why: "yum/dnf/apt-get/dpkg-query, svn, git, chmod and each app's " +
          "/opt/<pkg>/bin/zookeeper-deploy and build script: those live at paths named by the " +
          "tree, unknown at build time, and Deno's allow-list takes exact programs only. " +
          "(Running any program as root is as strong as every permission: the agent's job is " +
          "to install software.)",
      },
      {
        flag: "--allow-env",
        values: AGENT_ENV,
        why: "CLUSTERDEPLOY_STORE: --store default; TEST_ROOT: --root default; " +
          "CLUSTERDEPLOY_STORE_OWNER: set by the embedded store, inherited by deploy scripts " +
          "(the app lock stays held while they run); FORCE_COLOR, CLICOLOR_FORCE: commander's " +
          "colour check",
      },
      {
        flag: "--allow-sys",
        values: ["hostname"],
        why: "Deno.hostname(): the host name deployments may name (unless --host-name)",
      },
    ],
  },
  "handler.ts": {
    binary: "clusterdeploy-handler",
    grants: [
      {
        flag: "--allow-net",
        values: ["{consul}"],
        why: "the local Consul agent's HTTP API (KV, sessions, services, members): " +
          "npm:consul over node:http. Other hosts are reached by buttervolume and git, not Deno",
      },
      {
        flag: "--allow-read",
        values: ["{deployDir}", "{tmpDir}"],
        why: "checkouts' docker-compose.yml, update.sh, service.json and the handled-events " +
          "record in the deploy dir; test mode reads its scratch clone in the temp dir",
      },
      {
        flag: "--allow-write",
        values: ["{deployDir}", "{tmpDir}"],
        why: "the handled-events record (appended, fsynced, locked) in the deploy dir; test " +
          "mode's scratch clone (Deno.makeTempDir)",
      },
      {
        flag: "--allow-run",
        values: HANDLER_RUN,
        why: "git clone; docker compose (or docker-compose); buttervolume " +
          "snapshot/send/restore/schedule; rm -rf of an old checkout; sh update.sh of the app " +
          "(the app's own script: as strong as the app's repository)",
      },
      {
        flag: "--allow-env",
        values: HANDLER_ENV,
        why: "CONSUL_HTTP_ADDR: --consul default; LOG_TOKENS, LOG_STREAM: npm:yaml reads them " +
          "on every parse of docker-compose.yml; FORCE_COLOR, CLICOLOR_FORCE: commander's colour " +
          "check",
      },
    ],
  },
  "main.ts": {
    binary: "clusterdeploy",
    include: ["testdata/demo"],
    grants: [
      {
        flag: "--allow-net",
        why: "every subcommand's store (ZooKeeper) and the handler's Consul: runtime config; " +
          "serve listens on its --listen address (Deno.serve) and reads Consul with --consul",
      },
      {
        flag: "--allow-read",
        why: "the operator's files: tree validate/import FILE…, --tree-dir, --root, file: " +
          "stores, the demo's example files; serve's --token-file, --tls-cert and --tls-key",
      },
      {
        flag: "--allow-write",
        why: "tree export to files, checkouts, file: stores, the agent's --root, the demo's " +
          "temporary directory",
      },
      {
        flag: "--allow-run",
        why: "the agent subcommand's package managers and deploy scripts (see " +
          "clusterdeploy-agent), git for sync and the demo, serve's --notify CMD (argv, any " +
          "program the operator names)",
      },
      {
        flag: "--allow-env",
        values: [...new Set([...SYNC_ENV, ...AGENT_ENV, ...HANDLER_ENV])],
        why: "the defaults of --store, --tree-dir, --root and --consul; npm:yaml's and " +
          "commander's switches (see the other binaries)",
      },
      {
        flag: "--allow-sys",
        values: ["hostname"],
        why: "the agent subcommand's Deno.hostname() (unless --host-name); serve --notify " +
          "names its claims host:pid",
      },
    ],
  },
};

/** The entrypoints, in build order. */
export const ENTRYPOINTS: readonly Entrypoint[] = ["sync.ts", "agent.ts", "handler.ts", "main.ts"];

/** Replaces `{name}` placeholders by the layout's values (a placeholder may stand for several). */
export function expandValues(values: readonly string[], layout: Layout = DEFAULT_LAYOUT): string[] {
  return values.flatMap((value) => {
    const match = /^\{(\w+)\}$/.exec(value);
    if (match === null) {
      if (value.includes("{")) throw new Error(`bad permission value ${value}`);
      return [value];
    }
    const key = match[1] as keyof Layout;
    if (!(key in layout)) throw new Error(`unknown layout name {${key}}`);
    return [...layout[key]];
  });
}

/** The command-line form of one grant (`--allow-run=git`, `--allow-net`). */
export function grantFlag(grant: Grant, layout: Layout = DEFAULT_LAYOUT): string {
  if (grant.values === undefined) return grant.flag;
  const values = expandValues(grant.values, layout);
  if (values.length === 0) throw new Error(`${grant.flag}: empty allow-list`);
  return `${grant.flag}=${values.join(",")}`;
}

/** The permission flags of an entrypoint, as `deno run` and `deno compile` take them. */
export function permissionFlags(
  entrypoint: Entrypoint,
  layout: Layout = DEFAULT_LAYOUT,
): string[] {
  return PERMISSIONS[entrypoint].grants.map((grant) => grantFlag(grant, layout));
}
