/**
 * Who this host is and what it last deployed, read from files below the agent's root:
 * `etc/zmh/pxemac` (host id), `etc/zim/role` (optional role) and `etc/zim/host_version`
 * (the last version deployed, JSON, written atomically) — or, with a configuration file
 * (`config.ts`), its host id and role and `<run-directory>/host_version`.
 *
 * @module
 */
import type { Value } from "../tree/model.ts";
import { message } from "../error_message.ts";
import { nodeNameProblem } from "../tree/safe_values.ts";
import { formatValue } from "../tree/value.ts";
import { underRoot } from "../fs.ts";
import type { HostIdentity } from "../cluster/mod.ts";

/** Host id file, relative to the root. */
export const PXEMAC_FILE = "etc/zmh/pxemac";
/** Role file, relative to the root. */
export const ROLE_FILE = "etc/zim/role";
/** Last deployed version file, relative to the root. */
export const HOST_VERSION_FILE = "etc/zim/host_version";

async function firstLine(file: string): Promise<string | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  return text.split("\n")[0].trim();
}

/**
 * Why `value` cannot be a host id or a role, or undefined: each names one store node
 * (`/hosts/<id>`, `/roles/<role>`, `/role-locks/<role>`), so it must be one valid node name —
 * not empty, no `/`, no NUL or other character ZooKeeper refuses in a path.
 */
export function identityProblem(value: string): string | undefined {
  if (value === "") return "empty";
  if (value.includes("/")) return `${formatValue(value)} holds '/'`;
  return nodeNameProblem(value);
}

/** Throws when `value` (the host id or role, from `where`) is not {@linkcode identityProblem}-free. */
export function checkIdentityValue(what: string, where: string, value: string): string {
  const problem = identityProblem(value);
  if (problem !== undefined) {
    throw new Error(
      `Cannot read the ${what} from ${where}: bad first line ${formatValue(value)}${
        problem === "empty" ? "" : ` (${problem})`
      }`,
    );
  }
  return value;
}

/** The identity and run directory a configuration file gives (see `config.ts`). */
export interface ConfiguredIdentity {
  /** The file it came from (for messages). */
  file: string;
  /** The host id. */
  hostId: string;
  /** The run directory: absolute, used as written (not below the root). */
  runDirectory: string;
  /** The role, or null. */
  role: string | null;
}

/** Why `dir` cannot be the run directory, or undefined: absolute, no `.`/`..`, no controls. */
export function runDirectoryProblem(dir: string): string | undefined {
  if (!dir.startsWith("/")) return `${formatValue(dir)} is not an absolute path`;
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(dir)) return `${formatValue(dir)} holds a control character`;
  if (dir.split("/").some((part) => part === "." || part === "..")) {
    return `${formatValue(dir)} holds a '.' or '..' segment`;
  }
  return undefined;
}

/** `dir` checked as the run directory (trailing `/` dropped); throws `error` (default Error). */
export function checkedRunDirectory(
  dir: string,
  error: new (message: string) => Error = Error,
): string {
  const problem = runDirectoryProblem(dir);
  if (problem !== undefined) throw new error(`run-directory: ${problem}`);
  return dir.length > 1 ? dir.replace(/\/+$/, "") : dir;
}

/** The file `name` in the configured run directory (checked again where it is used). */
export function runDirectoryFile(configured: ConfiguredIdentity, name: string): string {
  return `${checkedRunDirectory(configured.runDirectory)}/${name}`;
}

/**
 * Reads the host id and role below `root` — or takes them from `configured` (checked again);
 * `hostName` is the name to use.
 */
export async function readIdentity(
  root: string,
  hostName: string,
  configured?: ConfiguredIdentity | null,
): Promise<HostIdentity> {
  if (configured) {
    const { file, hostId, role } = configured;
    checkIdentityValue("host id", `${file} (host-id)`, hostId);
    if (role !== null) checkIdentityValue("role", `${file} (role)`, role);
    return { id: hostId, name: hostName, role };
  }
  const pxemac = underRoot(root, PXEMAC_FILE);
  let id: string | null;
  try {
    id = await firstLine(pxemac);
  } catch (error) {
    throw new Error(`Cannot read the host id from ${pxemac}: ${message(error)}`);
  }
  if (id === null) throw new Error(`Cannot read the host id from ${pxemac}: no such file`);
  checkIdentityValue("host id", pxemac, id);
  const roleFile = underRoot(root, ROLE_FILE);
  let role: string | null;
  try {
    role = await firstLine(roleFile);
  } catch (error) {
    throw new Error(`Cannot read the role from ${roleFile}: ${message(error)}`);
  }
  if (role !== null && role !== "") checkIdentityValue("role", roleFile, role);
  return { id, name: hostName, role: role === "" ? null : role };
}

/** The host version file: `<root>/etc/zim/host_version`, or `<run-directory>/host_version`. */
export function hostVersionFile(root: string, configured?: ConfiguredIdentity | null): string {
  return configured
    ? runDirectoryFile(configured, "host_version")
    : underRoot(root, HOST_VERSION_FILE);
}

/** Reads the last deployed version (null when the file does not exist). */
export async function readHostVersion(
  root: string,
  configured?: ConfiguredIdentity | null,
): Promise<Value> {
  const file = hostVersionFile(root, configured);
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw new Error(`Cannot read the host version from ${file}: ${message(error)}`);
  }
  const line = text.split("\n")[0].trim();
  if (line === "") return null;
  try {
    return JSON.parse(line) as Value;
  } catch {
    throw new Error(`Cannot read the host version from ${file}: not JSON: ${line}`);
  }
}

/** Writes the last deployed version atomically (a temporary file renamed over the old one). */
export async function writeHostVersion(
  root: string,
  version: Value,
  configured?: ConfiguredIdentity | null,
): Promise<void> {
  const file = hostVersionFile(root, configured);
  const dir = file.slice(0, file.lastIndexOf("/"));
  const temporary = `${file}.tmp-${Deno.pid}`;
  try {
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(temporary, JSON.stringify(version));
    await Deno.rename(temporary, file);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw new Error(`Cannot write the host version to ${file}: ${message(error)}`);
  }
}
