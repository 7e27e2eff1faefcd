/**
 * Killing a command with everything it started (Linux `/proc`), so a timed-out script's
 * children do not live on holding its output pipes.
 *
 * @module
 */

/** The descendants of `pid` (children first, then theirs), read from `/proc/<pid>/stat`. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  let entries: Iterable<Deno.DirEntry>;
  try {
    entries = Deno.readDirSync("/proc");
  } catch {
    return []; // no /proc: only the direct child can be killed
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      // The command name (field 2) is in parentheses and may hold spaces: parse after it.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry.name));
      children.set(ppid, list);
    } catch {
      // the process ended meanwhile
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** Sends SIGKILL to `pid` and all its descendants (found first, so none is missed by reparenting). */
export function killTree(pid: number): void {
  const all = [pid, ...descendants(pid)];
  for (const p of all) {
    try {
      Deno.kill(p, "SIGKILL");
    } catch {
      // already gone
    }
  }
}
