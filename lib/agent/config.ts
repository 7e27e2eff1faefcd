/**
 * The agent's configuration file (`agent --config FILE`, `monitor --config FILE`): the
 * reference's 1.0.0 agent configuration, so fleets migrating from it keep their files. INI (see
 * `config_ini.ts`), section `[zkdeployment]` only:
 * - `host-id` (required): the host id, instead of `<root>/etc/zmh/pxemac`;
 * - `run-directory` (required): an absolute directory, used as written (not below `--root`),
 *   holding `status` (the status file) and `host_version`, instead of `<root>/etc/zim/…`;
 * - `role` (optional; empty: no role), instead of `<root>/etc/zim/role`;
 * - `after` (optional; empty: none): the after-deployment command, split like a shell
 *   (`shell_words.ts`: quotes, several lines), never run by one.
 *
 * A value that looks like a URL is fetched: `file:///PATH` gives the file's text, trimmed (a
 * missing file: the option is unset); `http://` or `https://` the body of a 200 answer, trimmed
 * (404: unset; any other status: an error). Other `scheme://` values are refused. A required
 * option unset (or empty) is `<option> not specified`.
 *
 * Every value that becomes a store path, a file path or an argv element is checked here, where it
 * enters, and again where it is used (`identity.ts`).
 *
 * @module
 */
import { message } from "../error_message.ts";
import { formatValue } from "../tree/value.ts";
import { readIniSection } from "./config_ini.ts";
import { shellWords } from "./shell_words.ts";
import { checkedRunDirectory, type ConfiguredIdentity, identityProblem } from "./identity.ts";
import { readBounded } from "../read_bounded.ts";

/** The section the agent reads. */
export const CONFIG_SECTION = "zkdeployment";

/** The largest value a URL may give (a host id, a role, a command line). */
export const MAX_FETCHED_BYTES = 64 * 1024;

/** How long fetching one `http(s)://` value may take. */
export const FETCH_TIMEOUT_MS = 30_000;

/** A configuration that cannot be used: the agent exits 2 (usage) before it registers. */
export class ConfigError extends Error {
  /** Makes the error. */
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** The agent's configuration, checked. */
export interface AgentConfig extends ConfiguredIdentity {
  /** The after-deployment command's argv, or null. */
  after: string[] | null;
}

/** The after command's argv from its text: null for none; no NUL, no empty program. */
export function afterArgv(text: string): string[] | null {
  let argv: string[];
  try {
    argv = shellWords(text);
  } catch (error) {
    throw new ConfigError(`after: ${message(error)}`);
  }
  if (argv.length === 0) return null;
  if (argv.some((word) => word.includes("\0"))) {
    throw new ConfigError("after: the command contains a NUL character");
  }
  if (argv[0] === "" || argv[0].startsWith("-")) {
    throw new ConfigError(`after: ${formatValue(argv[0])} is not a program`);
  }
  return argv;
}

/** Fetches what `fetch` gives for a URL: its text, or null when it does not exist. */
export type FetchValue = (url: URL) => Promise<string | null>;

/** `file:///PATH` and `http(s)://…`, as the module doc says. */
export const fetchValue: FetchValue = async (url) => {
  if (url.protocol === "file:") {
    if (url.host !== "" && url.host !== "localhost") {
      throw new Error(`a file: URL must name a local file (file:///PATH), not host ${url.host}`);
    }
    try {
      const bytes = await Deno.readFile(decodeURIComponent(url.pathname));
      if (bytes.length > MAX_FETCHED_BYTES) {
        throw new Error(`longer than ${MAX_FETCHED_BYTES} bytes`);
      }
      return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return null;
      throw error;
    }
  }
  const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  if (response.status === 404) {
    await response.body?.cancel();
    return null;
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new Error(`HTTP status ${response.status}`);
  }
  const bytes = await readBounded(
    response.body ?? [],
    MAX_FETCHED_BYTES,
    () => new Error(`longer than ${MAX_FETCHED_BYTES} bytes`),
  );
  return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
};

/** One option's value: a URL's content (trimmed; null when it does not exist), else itself. */
async function resolveValue(
  name: string,
  raw: string | undefined,
  fetcher: FetchValue,
): Promise<string | null> {
  if (raw === undefined) return null;
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(raw)) return raw;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name}: not a valid URL: ${raw}`);
  }
  if (!["file:", "http:", "https:"].includes(url.protocol)) {
    throw new ConfigError(
      `${name}: unsupported URL ${raw} (use file:///PATH, http:// or https://)`,
    );
  }
  try {
    const text = await fetcher(url);
    return text === null ? null : text.trim();
  } catch (error) {
    throw new ConfigError(`${name}: cannot read ${raw}: ${message(error)}`);
  }
}

/**
 * Reads and checks the configuration file `file`. Throws {@linkcode ConfigError} (the agent exits
 * 2): the file cannot be read or parsed, a required option is unset (`host-id not specified`), a
 * URL cannot be fetched, or a value is not acceptable.
 */
export async function readAgentConfig(
  file: string,
  fetcher: FetchValue = fetchValue,
): Promise<AgentConfig> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound ? "no such file" : message(error);
    throw new ConfigError(`Cannot read the configuration file ${file}: ${why}`);
  }
  let options: Map<string, string>;
  try {
    options = readIniSection(text, file, CONFIG_SECTION);
  } catch (error) {
    throw new ConfigError(message(error));
  }
  const value = (name: string) => resolveValue(name, options.get(name), fetcher);
  const required = async (name: string) => {
    const v = await value(name);
    if (v === null || v === "") throw new ConfigError(`${name} not specified`);
    return v;
  };
  const hostId = await required("host-id");
  const runDirectory = await required("run-directory");
  const role = (await value("role")) || null;
  const after = await value("after");
  const bad = (name: string, v: string) => {
    const problem = identityProblem(v);
    if (problem !== undefined) {
      throw new ConfigError(`${name}: ${formatValue(v)} cannot name a store node: ${problem}`);
    }
  };
  bad("host-id", hostId);
  if (role !== null) bad("role", role);
  return {
    file,
    hostId,
    runDirectory: checkedRunDirectory(runDirectory, ConfigError),
    role,
    after: after === null ? null : afterArgv(after),
  };
}
