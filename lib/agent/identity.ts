/**
 * Who this host is and what it last deployed, read from files below the agent's root:
 * `etc/zmh/pxemac` (host id), `etc/zim/role` (optional role) and `etc/zim/host_version`
 * (the last version deployed, JSON, written atomically).
 *
 * @module
 */
import type { Value } from "../tree/model.ts";
import { message } from "../error_message.ts";
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

/** Reads the host id and role below `root`; `hostName` is the name to use. */
export async function readIdentity(root: string, hostName: string): Promise<HostIdentity> {
  const pxemac = underRoot(root, PXEMAC_FILE);
  let id: string | null;
  try {
    id = await firstLine(pxemac);
  } catch (error) {
    throw new Error(`Cannot read the host id from ${pxemac}: ${message(error)}`);
  }
  if (id === null) throw new Error(`Cannot read the host id from ${pxemac}: no such file`);
  if (id === "" || id.includes("/")) {
    throw new Error(`Cannot read the host id from ${pxemac}: bad first line '${id}'`);
  }
  const roleFile = underRoot(root, ROLE_FILE);
  let role: string | null;
  try {
    role = await firstLine(roleFile);
  } catch (error) {
    throw new Error(`Cannot read the role from ${roleFile}: ${message(error)}`);
  }
  return { id, name: hostName, role: role === "" ? null : role };
}

/** Reads the last deployed version (null when the file does not exist). */
export async function readHostVersion(root: string): Promise<Value> {
  const file = underRoot(root, HOST_VERSION_FILE);
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
export async function writeHostVersion(root: string, version: Value): Promise<void> {
  const file = underRoot(root, HOST_VERSION_FILE);
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

/** The message of an unknown thrown value (re-exported for the agent's modules). */
