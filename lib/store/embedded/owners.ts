/**
 * Who owns an embedded store's ephemeral nodes, and whether that owner is still alive.
 *
 * Each open store is an owner: before it records itself in the store's `owners` table, it takes
 * an exclusive OS lock (`flock`) on its owner file `<store>.owners/<id>` and holds it until it
 * closes; the kernel drops the lock when the process dies, however it dies. So an owner whose
 * file is locked is alive. One whose file is free is alive still **while a process it started
 * runs**: on opening a store, a process puts a token naming itself in its environment
 * (`CLUSTERDEPLOY_STORE_OWNER`), which every program it starts (a deploy script, and that
 * script's children) inherits; a running process whose environment carries the token keeps the
 * owner's ephemerals and locks held. So an agent killed with -9 keeps its app lock until the
 * deploy script it left running ends, and nobody runs the same script beside that orphan.
 *
 * The environments are read from `/proc/<pid>/environ` when Deno grants that (it takes
 * `--allow-all`), else from `ps e` when running `ps` is allowed (the agent's binary), else not
 * at all (then an owner is dead as soon as its process is). An orphan started with a cleared
 * environment (`env -i`) is not seen.
 *
 * @module
 */

/** The environment variable that marks a process and its descendants as one owner's. */
export const OWNER_ENV = "CLUSTERDEPLOY_STORE_OWNER";

/** How long a look for an owner's descendants is trusted. */
const SCAN_TTL_MS = 500;

/** An owner as recorded in the store's `owners` table. */
export interface OwnerRecord {
  /** Unique id of the open store (its owner file's name). */
  id: string;
  /** Its process id (for people reading the table). */
  pid: number;
  /** The environment token its process's descendants carry. */
  token: string;
}

let token: string | undefined;

/**
 * This process's token; the first call also puts it in the environment, so that every program
 * started from now on inherits it.
 */
export function processToken(): string {
  if (token !== undefined) return token;
  token = crypto.randomUUID();
  // Without the permission (never asked for: no prompt) only the process itself keeps its
  // ephemerals alive.
  try {
    if (Deno.permissions.querySync({ name: "env", variable: OWNER_ENV }).state === "granted") {
      Deno.env.set(OWNER_ENV, token);
    }
  } catch {
    // as above
  }
  return token;
}

/** Whether the owner file at `path` is locked by a live process (false when it is missing). */
export function ownerFileHeld(path: string): boolean {
  let handle: Deno.FsFile;
  try {
    handle = Deno.openSync(path, { read: true });
  } catch {
    return false;
  }
  try {
    const free = handle.tryLockSync(true);
    if (free) handle.unlockSync();
    return !free;
  } finally {
    handle.close();
  }
}

/** Tells live owners from dead ones, remembering the dead for good. */
export class OwnerLiveness {
  readonly #dir: string;
  readonly #dead = new Set<string>();
  readonly #scans = new Map<string, { alive: boolean; until: number }>();

  /** Checks the owners whose files are in `dir`. */
  constructor(dir: string) {
    this.#dir = dir;
  }

  /** Whether the owner is alive; an owner without a record is dead. */
  alive(record: OwnerRecord | undefined): boolean {
    if (record === undefined || this.#dead.has(record.id)) return false;
    if (ownerFileHeld(`${this.#dir}/${record.id}`)) return true;
    // The process is gone: alive still while a descendant carrying its token runs.
    if (this.#descendantRuns(record.token)) return true;
    this.#dead.add(record.id);
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

/** How process environments can be read here: found out once. */
let reader: "proc" | "ps" | "none" | undefined;

/**
 * The pids of other running processes whose environment holds `OWNER_ENV=token`, read from
 * `/proc` or `ps` (`how`; default: the first this process may use).
 */
export function tokenBearers(token: string, how?: "proc" | "ps"): number[] {
  const entry = `${OWNER_ENV}=${token}`;
  if (how === "proc" || (how === undefined && (reader ?? "proc") === "proc")) {
    const found = fromProc(entry);
    if (found !== undefined) {
      reader = "proc";
      return found;
    }
    if (how === "proc") return [];
  }
  if (how === "ps" || (how === undefined && (reader ?? "ps") === "ps")) {
    const found = fromPs(entry);
    if (found !== undefined) {
      reader = "ps";
      return found;
    }
  }
  reader = "none";
  return [];
}

/** From `/proc/<pid>/environ`; undefined when `/proc` may not be read. */
function fromProc(entry: string): number[] | undefined {
  const needle = new TextEncoder().encode(entry);
  let entries: Iterable<Deno.DirEntry>;
  try {
    entries = Deno.readDirSync("/proc");
  } catch {
    return undefined;
  }
  const found: number[] = [];
  for (const item of entries) {
    if (!/^\d+$/.test(item.name) || Number(item.name) === Deno.pid) continue;
    let environ: Uint8Array;
    try {
      environ = Deno.readFileSync(`/proc/${item.name}/environ`);
    } catch {
      continue; // gone, or another user's
    }
    if (holdsEntry(environ, needle)) found.push(Number(item.name));
  }
  return found;
}

/** From `ps e` (the environment after each command line); undefined when ps cannot run. */
function fromPs(entry: string): number[] | undefined {
  let output: Deno.CommandOutput;
  try {
    output = new Deno.Command("ps", {
      args: ["axeww", "-o", "pid=,stat=,command="],
      stdout: "piped",
      stderr: "null",
    }).outputSync();
  } catch {
    return undefined;
  }
  if (!output.success) return undefined;
  const found: number[] = [];
  for (const line of new TextDecoder().decode(output.stdout).split("\n")) {
    const [pid, stat, ...words] = line.trim().split(/\s+/);
    if (stat === undefined || stat.startsWith("Z") || Number(pid) === Deno.pid) continue;
    if (words.includes(entry)) found.push(Number(pid));
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
