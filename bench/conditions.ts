/**
 * What a benchmark figure was taken under, printed with it: the machine's cores and load, the
 * Deno and ZooKeeper versions and the server settings; and readers for the counters benchmarks
 * use (this process's CPU time, the server's `mntr` four-letter word).
 *
 * @module
 */
import process from "node:process";

/** The conditions of a run. */
export interface Conditions {
  /** The 1-minute load average now. */
  load: string;
  /** One line: cores, load, Deno, ZooKeeper and its settings. */
  summary: string;
}

/** The ZooKeeper version of Debian's jar, or "unknown". */
function zookeeperVersion(): string {
  try {
    for (const entry of Deno.readDirSync("/usr/share/java")) {
      const match = /^zookeeper-(\d+\.\d+\.\d+)\.jar$/.exec(entry.name);
      if (match) return match[1];
    }
  } catch { /* not installed */ }
  return "unknown";
}

/** The machine's conditions now. */
export async function machine(): Promise<Conditions> {
  const load = (await Deno.readTextFile("/proc/loadavg").catch(() => "? ? ?")).split(" ")
    .slice(0, 3).join(" ");
  return {
    load,
    summary: `${navigator.hardwareConcurrency} cores, load average ${load} (shared machine), ` +
      `Deno ${Deno.version.deno}, ZooKeeper ${zookeeperVersion()} (one server, loopback, ` +
      `default forceSync=yes, data on ${tmpFs()})`,
  };
}

function tmpFs(): string {
  try {
    const mounts = Deno.readTextFileSync("/proc/mounts").split("\n").map((l) => l.split(" "));
    const tmp = Deno.env.get("TMPDIR") ?? "/tmp";
    const best = mounts.filter((m) => m[1] && tmp.startsWith(m[1]))
      .sort((x, y) => y[1].length - x[1].length)[0];
    return best ? `${best[2]} (${best[1]})` : "unknown";
  } catch {
    return "unknown";
  }
}

/** This process's CPU time (user + system) in milliseconds. */
export function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** The server's `mntr` counters (whitelisted with `4lw.commands.whitelist=mntr`). */
export async function mntr(port: number): Promise<Record<string, number>> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(new TextEncoder().encode("mntr"));
  const text = await new Response(conn.readable).text();
  const counters: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const [key, value] = line.split("\t");
    if (key && value !== undefined && !Number.isNaN(Number(value))) counters[key] = Number(value);
  }
  if (!("zk_packets_received" in counters)) throw new Error(`mntr answered: ${text.trim()}`);
  return counters;
}
