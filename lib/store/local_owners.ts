/**
 * Who owns an embedded store's ephemeral nodes, and whether that owner is still alive (Linux
 * `/proc`).
 *
 * Each open store is an owner, recorded with its process: pid, start time (so a reused pid is
 * not mistaken for it), boot id and PID namespace. An owner stays alive while its process runs
 * **or while any process it started still runs**: on opening a store, the process puts a token
 * naming itself in its environment (`CLUSTERDEPLOY_STORE_OWNER`), which every program it starts
 * (a deploy script and that script's children) inherits; after the owner's process died, a
 * process whose environment carries the token keeps its ephemerals and locks held. So an agent
 * killed with -9 keeps its app lock until the deploy script it left running ends, and a restarted
 * agent never runs the same script beside that orphan.
 *
 * Limits: an orphan started with a cleared environment (`env -i`) is not seen; owners in another
 * PID namespace (another container) cannot be checked and count as alive.
 *
 * @module
 */

/** The environment variable that marks a process and its descendants as one owner's. */
export const OWNER_ENV = "CLUSTERDEPLOY_STORE_OWNER";

/** How long a scan for an owner's descendants is trusted. */
const SCAN_TTL_MS = 500;

/** An owner as recorded in the store's `owners` table. */
export interface OwnerRecord {
  /** Unique id of the open store. */
  id: string;
  /** Its process id. */
  pid: number;
  /** Its process's start time (`/proc/<pid>/stat` field 22, clock ticks since boot). */
  start: number;
  /** The boot it ran in (`/proc/sys/kernel/random/boot_id`). */
  boot: string;
  /** Its PID namespace (`pid:[inode]`). */
  pidns: string;
  /** The environment token its descendants carry. */
  token: string;
}

/** This process as an owner's process, or undefined without `/proc`. */
export interface ProcessIdentity {
  /** pid. */
  pid: number;
  /** Start time in clock ticks since boot. */
  start: number;
  /** Boot id. */
  boot: string;
  /** PID namespace. */
  pidns: string;
  /** Environment token. */
  token: string;
}

let self: ProcessIdentity | undefined;

/** Parses `/proc/<pid>/stat`: the state letter and the start time; undefined when gone. */
function procStat(pid: number): { state: string; start: number } | undefined {
  let text: string;
  try {
    text = Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces: split after it.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { state: fields[0], start: Number(fields[19]) };
}

/**
 * This process's identity; the first call also puts its token in the environment, so that every
 * program started from now on inherits it. Throws when `/proc` cannot be read (not Linux).
 */
export function processIdentity(): ProcessIdentity {
  if (self !== undefined) return self;
  const stat = procStat(Deno.pid);
  if (stat === undefined) {
    throw new Error("the embedded store needs Linux /proc to tell live owners from dead ones");
  }
  const boot = Deno.readTextFileSync("/proc/sys/kernel/random/boot_id").trim();
  let pidns = "";
  try {
    pidns = Deno.readLinkSync("/proc/self/ns/pid");
  } catch {
    // no namespace information: all owners are taken as sharing ours
  }
  const token = `${boot.slice(0, 8)}.${Deno.pid}.${stat.start}`;
  Deno.env.set(OWNER_ENV, token);
  self = { pid: Deno.pid, start: stat.start, boot, pidns, token };
  return self;
}

/** Tells live owners from dead ones, remembering the dead for good. */
export class OwnerLiveness {
  readonly #self: ProcessIdentity;
  readonly #dead = new Set<string>();
  readonly #scans = new Map<string, { alive: boolean; until: number }>();

  /** Checks owners from the point of view of this process. */
  constructor(identity: ProcessIdentity = processIdentity()) {
    this.#self = identity;
  }

  /** Whether the owner is alive; an owner without a record is dead. */
  alive(record: OwnerRecord | undefined): boolean {
    if (record === undefined || this.#dead.has(record.id)) return false;
    if (record.boot !== this.#self.boot) return this.#bury(record.id);
    if (record.pidns !== this.#self.pidns) return true; // cannot see it: never expire it
    const stat = procStat(record.pid);
    if (
      stat !== undefined && stat.start === record.start && stat.state !== "Z" &&
      stat.state !== "X"
    ) {
      return true;
    }
    // The process is gone: alive still while a descendant carrying its token runs.
    return this.#descendantRuns(record.token) || this.#bury(record.id);
  }

  #bury(id: string): false {
    this.#dead.add(id);
    return false;
  }

  /** Whether some running process carries `token` in its environment (cached briefly). */
  #descendantRuns(token: string): boolean {
    const now = Date.now();
    const cached = this.#scans.get(token);
    if (cached !== undefined && cached.until > now) return cached.alive;
    const alive = tokenBearers(token).length > 0;
    this.#scans.set(token, { alive, until: now + SCAN_TTL_MS });
    return alive;
  }
}

/** The pids of running processes whose environment holds `OWNER_ENV=token`. */
export function tokenBearers(token: string): number[] {
  const needle = new TextEncoder().encode(`${OWNER_ENV}=${token}`);
  const found: number[] = [];
  let entries: Iterable<Deno.DirEntry>;
  try {
    entries = Deno.readDirSync("/proc");
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry.name)) continue;
    const pid = Number(entry.name);
    if (pid === Deno.pid) continue;
    let environ: Uint8Array;
    try {
      environ = Deno.readFileSync(`/proc/${pid}/environ`);
    } catch {
      continue; // gone, or another user's
    }
    if (holdsEntry(environ, needle)) {
      const state = procStat(pid)?.state;
      if (state !== undefined && state !== "Z" && state !== "X") found.push(pid);
    }
  }
  return found;
}

/** Whether the NUL-separated `environ` has exactly the entry `needle`. */
function holdsEntry(environ: Uint8Array, needle: Uint8Array): boolean {
  let start = 0;
  while (start < environ.length) {
    let end = environ.indexOf(0, start);
    if (end === -1) end = environ.length;
    if (end - start === needle.length) {
      let same = true;
      for (let i = 0; i < needle.length && same; i++) same = environ[start + i] === needle[i];
      if (same) return true;
    }
    start = end + 1;
  }
  return false;
}
