/**
 * `deno task compile`: builds the four binaries with `deno compile`, each with only the
 * permissions `scripts/permissions.ts` gives it.
 *
 * ```
 * deno task compile [--only NAME]... [--target TRIPLE] [--out DIR] [--print]
 *                   [--cache-dir DIR] [--state-dir DIR] [--deploy-dir DIR] [--tmp-dir DIR]
 *                   [--consul HOST:PORT[,HOST:PORT]]
 * ```
 *
 * `deno compile` needs a base runtime, denort, of the same version as this deno and for the
 * target. It takes `$DENORT_BIN` when set, else `$DENO_DIR/dl/release/v<version>/denort-<target>.zip`,
 * else downloads that zip from Deno's release server. When none of this works the task says what
 * to do. A built binary for this machine is run once (`--help`) to check it really is ours.
 *
 * @module
 */
import { exists } from "../lib/fs.ts";
import { formatArgv } from "../lib/proc/types.ts";
import { parseArgs } from "node:util";
import {
  DEFAULT_LAYOUT,
  type Entrypoint,
  ENTRYPOINTS,
  grantFlag,
  type Layout,
  permissionFlags,
  PERMISSIONS,
} from "./permissions.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
];

const USAGE = `Usage: deno task compile [options]

Builds dist/clusterdeploy-sync, dist/clusterdeploy-agent, dist/clusterdeploy-handler and
dist/clusterdeploy with deno compile, each with the permissions of scripts/permissions.ts.

Options:
  --only NAME          build only this binary (sync, agent, handler, clusterdeploy, or the full
                       binary or entrypoint name); repeatable
  --target TRIPLE      default: this machine, ${Deno.build.target}; one of
                       ${TARGETS.join(",\n                       ")}
  --out DIR            output directory (default: dist, from the current directory)
  --print              print the permission table and the deno compile commands; build nothing
  --cache-dir DIR      sync's checkouts (default ${DEFAULT_LAYOUT.cacheDir.join(",")})
  --state-dir DIR      embedded store files (default ${DEFAULT_LAYOUT.stateDir.join(",")})
  --deploy-dir DIR     the handler's deploy dir (default ${DEFAULT_LAYOUT.deployDir.join(",")})
  --tmp-dir DIR        the temporary directory (default ${DEFAULT_LAYOUT.tmpDir.join(",")})
  --consul ADDRS       Consul agent host:port list (default ${DEFAULT_LAYOUT.consul.join(",")})
  -h, --help           this help

Environment:
  DENORT_BIN           a denort ${Deno.version.deno} binary for the target, used instead of
                       downloading one
`;

/** A usage or build failure, with its message for the operator. */
class CompileError extends Error {
  /** Exit code: 1 failure, 2 usage. */
  readonly code: number;
  /** Makes the error. */
  constructor(message: string, code = 1) {
    super(message);
    this.code = code;
  }
}

/** Which entrypoint `name` means. */
function entrypointNamed(name: string): Entrypoint {
  for (const entry of ENTRYPOINTS) {
    const binary = PERMISSIONS[entry].binary;
    const short = binary.replace(/^clusterdeploy-/, "");
    if ([entry, binary, short, entry.replace(/\.ts$/, "")].includes(name)) return entry;
  }
  const names = ENTRYPOINTS.map((e) => PERMISSIONS[e].binary.replace(/^clusterdeploy-/, ""));
  throw new CompileError(`--only: unknown binary '${name}' (one of ${names.join(", ")})`, 2);
}

async function denoDir(): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json"],
    stdout: "piped",
    stderr: "null",
  }).output();
  try {
    return JSON.parse(new TextDecoder().decode(out.stdout)).denoDir;
  } catch {
    return "$DENO_DIR";
  }
}

/** What to do when there is no denort, as several lines. */
function denortHelp(target: string, cachedZip: string, why: string, download = false): string {
  const version = Deno.version.deno;
  return [
    `deno compile needs its base runtime, denort ${version} for ${target}, and cannot get it:`,
    `  ${why}`,
    ...(download
      ? ["It downloads it from Deno's release server (dl.deno.land): not reachable from here."]
      : []),
    "Do one of:",
    `  1. DENORT_BIN=/path/to/denort deno task compile`,
    `     with the denort of the Deno v${version} release for ${target} (unzip`,
    `     denort-${target}.zip). No npm package ships denort (npm view denort and`,
    `     @deno/denort find nothing), and the full deno CLI cannot stand in for it.`,
    `  2. put that zip, as it is, at ${cachedZip}`,
    "     (deno compile looks there before downloading).",
    "  3. run `deno task compile` on a machine with internet access and copy dist/ over.",
  ].join("\n");
}

/** Checks `$DENORT_BIN`, when set, before anything is built. */
async function checkDenortBin(target: string, cachedZip: string): Promise<void> {
  const bin = Deno.env.get("DENORT_BIN");
  if (bin === undefined || bin === "") return;
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(bin);
  } catch {
    throw new CompileError(denortHelp(target, cachedZip, `DENORT_BIN=${bin}: no such file`));
  }
  if (!info.isFile) {
    throw new CompileError(denortHelp(target, cachedZip, `DENORT_BIN=${bin}: not a file`));
  }
  if (await Deno.realPath(bin) === await Deno.realPath(Deno.execPath())) {
    throw new CompileError(
      denortHelp(target, cachedZip, `DENORT_BIN=${bin} is the deno CLI itself, not denort`),
    );
  }
}

interface Options {
  entries: Entrypoint[];
  target: string;
  out: string;
  print: boolean;
  layout: Layout;
}

function parseOptions(args: string[]): Options | undefined {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        only: { type: "string", multiple: true },
        target: { type: "string" },
        out: { type: "string" },
        print: { type: "boolean" },
        "cache-dir": { type: "string" },
        "state-dir": { type: "string" },
        "deploy-dir": { type: "string" },
        "tmp-dir": { type: "string" },
        consul: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (error) {
    throw new CompileError(`${(error as Error).message}\n\n${USAGE}`, 2);
  }
  if (parsed.help) {
    console.log(USAGE);
    return undefined;
  }
  const target = parsed.target ?? Deno.build.target;
  if (!TARGETS.includes(target)) {
    throw new CompileError(`--target: unknown target '${target}' (${TARGETS.join(", ")})`, 2);
  }
  const list = (value: string | undefined, fallback: readonly string[], what: string) => {
    if (value === undefined) return fallback;
    const items = value.split(",").map((v) => v.trim()).filter((v) => v !== "");
    if (items.length === 0 || items.some((v) => v.includes("{"))) {
      throw new CompileError(`${what}: bad value '${value}'`, 2);
    }
    return items;
  };
  const layout: Layout = {
    cacheDir: list(parsed["cache-dir"], DEFAULT_LAYOUT.cacheDir, "--cache-dir"),
    stateDir: list(parsed["state-dir"], DEFAULT_LAYOUT.stateDir, "--state-dir"),
    deployDir: list(parsed["deploy-dir"], DEFAULT_LAYOUT.deployDir, "--deploy-dir"),
    tmpDir: list(parsed["tmp-dir"], DEFAULT_LAYOUT.tmpDir, "--tmp-dir"),
    consul: list(parsed.consul, DEFAULT_LAYOUT.consul, "--consul"),
  };
  const entries = parsed.only === undefined
    ? [...ENTRYPOINTS]
    : [...new Set(parsed.only.map(entrypointNamed))];
  const out = parsed.out ?? "dist";
  return {
    entries,
    target,
    out: out.startsWith("/") ? out : `${Deno.cwd()}/${out}`,
    print: parsed.print === true,
    layout,
  };
}

/** The `deno compile` argv (without the deno executable) for one entrypoint. */
export function compileArgs(
  entry: Entrypoint,
  options: { target: string; out: string; layout: Layout },
): string[] {
  const spec = PERMISSIONS[entry];
  return [
    "compile",
    ...permissionFlags(entry, options.layout),
    ...(spec.include ?? []).flatMap((path) => ["--include", path]),
    "--target",
    options.target,
    "--output",
    `${options.out.replace(/\/+$/, "")}/${spec.binary}`,
    entry,
  ];
}

function printTable(options: Options): void {
  for (const entry of options.entries) {
    const spec = PERMISSIONS[entry];
    console.log(`${spec.binary} (${entry})`);
    for (const grant of spec.grants) {
      console.log(`  ${grantFlag(grant, options.layout)}\n      ${grant.why}`);
    }
    if (spec.include) console.log(`  embeds: ${spec.include.join(", ")}`);
    console.log(`  $ deno ${formatArgv(compileArgs(entry, options))}\n`);
  }
}

/** Runs the binary with `--help`: it must answer as the clusterdeploy tool, not as deno. */
async function smokeTest(path: string, target: string, cachedZip: string): Promise<void> {
  const out = await new Deno.Command(path, {
    args: ["--help"],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  if (/A modern JavaScript and TypeScript runtime|^deno \d/m.test(stdout)) {
    await Deno.remove(path).catch(() => {});
    throw new CompileError(
      denortHelp(target, cachedZip, `${path} runs as the deno CLI: DENORT_BIN is not denort`),
    );
  }
  if (!out.success || !stdout.includes("Usage:")) {
    throw new CompileError(
      `${path} --help failed (exit ${out.code}):\n${stdout}${new TextDecoder().decode(out.stderr)}`,
    );
  }
}

async function build(options: Options): Promise<void> {
  const target = options.target;
  const cachedZip = `${await denoDir()}/dl/release/v${Deno.version.deno}/denort-${target}.zip`;
  for (const entry of options.entries) {
    if (!await exists(`${ROOT}${entry}`)) throw new CompileError(`${entry} does not exist yet`);
  }
  await checkDenortBin(target, cachedZip);
  await Deno.mkdir(options.out, { recursive: true });
  for (const entry of options.entries) {
    const args = compileArgs(entry, options);
    const output = args[args.indexOf("--output") + 1];
    console.log(`$ deno ${formatArgv(args)}`);
    const result = await new Deno.Command(Deno.execPath(), {
      args,
      cwd: ROOT,
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "inherit",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(result.stderr);
    if (!result.success) {
      const lines = stderr.split("\n").map((l) => l.trim());
      if (lines.some((l) => /Setting up base binary|denort/i.test(l))) {
        const causes = lines.filter((l) => /^\d+: /.test(l)).map((l) => l.replace(/^\d+: /, ""));
        const cause = causes.find((l) => /error sending request|denort|zip/i.test(l)) ??
          causes.at(-1) ?? "deno compile failed setting up its base binary";
        const download = !Deno.env.get("DENORT_BIN") && /request|dns|connect/i.test(cause);
        throw new CompileError(denortHelp(target, cachedZip, cause, download));
      }
      throw new CompileError(`deno compile of ${entry} failed:\n${stderr}`);
    }
    const path = `${output}${target.includes("windows") ? ".exe" : ""}`;
    if (target === Deno.build.target) await smokeTest(path, target, cachedZip);
    const size = (await Deno.stat(path)).size;
    console.log(`built ${output} (${(size / 1024 / 1024).toFixed(1)} MiB)`);
  }
}

if (import.meta.main) {
  try {
    const options = parseOptions(Deno.args);
    if (options !== undefined) {
      if (options.print) printTable(options);
      else await build(options);
    }
  } catch (error) {
    if (!(error instanceof CompileError)) throw error;
    console.error(`error: ${error.message}`);
    Deno.exit(error.code);
  }
}
