/**
 * The demo's example hosts: a root directory each, holding what the agent reads to know who it
 * is (`etc/zmh/pxemac`, `etc/zim/role`).
 *
 * @module
 */
import { PXEMAC_FILE, ROLE_FILE } from "../agent/identity.ts";
import { underRoot } from "../fs.ts";

/** An example host. */
export interface DemoHost {
  /** Host id (first line of `etc/zmh/pxemac`: a MAC address on a real fleet). */
  id: string;
  /** Host name (what `--host-name` gives, or the machine's name). */
  name: string;
  /** Role (first line of `etc/zim/role`), or null. */
  role: string | null;
}

/**
 * The hosts the demo plans for: `web1` gets acme's CMS (two instances), `ops` its monitor, and
 * `cache1`, having the `cache` role, Globex's cache deployed by role.
 */
export const DEMO_HOSTS: readonly DemoHost[] = [
  { id: "52:54:00:00:00:01", name: "web1", role: null },
  { id: "52:54:00:00:00:02", name: "ops", role: null },
  { id: "52:54:00:00:00:03", name: "cache1", role: "cache" },
];

/** The host the demo runs the agent on. */
export const AGENT_HOST: DemoHost = DEMO_HOSTS[0];

/** The root directory of `host` under the demo directory `dir`. */
export function hostRoot(dir: string, host: DemoHost): string {
  return `${dir}/hosts/${host.name}`;
}

/** Makes `host`'s root under `dir` (its id and role files) and returns it. */
export async function makeHostRoot(dir: string, host: DemoHost): Promise<string> {
  const root = hostRoot(dir, host);
  const files: [string, string | null][] = [[PXEMAC_FILE, host.id], [ROLE_FILE, host.role]];
  for (const [file, line] of files) {
    if (line === null) continue;
    const path = underRoot(root, file);
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, `${line}\n`);
  }
  return root;
}
