/**
 * Runs a parser in a child process with a small JavaScript heap and a kill timeout, so that a
 * parser that loops or eats memory fails the test that calls it instead of hanging the suite or
 * exhausting the machine. The child is `bounded_parse_child.ts`.
 *
 * @module
 */

const ROOT = new URL("../../../", import.meta.url).pathname;
const CHILD = new URL("./bounded_parse_child.ts", import.meta.url).pathname;

/** How a bounded run ended. */
export interface BoundedRun {
  /** Exit status (not meaningful when `killed`). */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
  /** True when the child was still running at the deadline and was killed. */
  killed: boolean;
}

/** Bounds of a run. */
export interface Bounds {
  /** The child's V8 old-space limit, MB (default 64). */
  heapMb?: number;
  /** Kill the child after this many milliseconds (default 60 000). */
  timeoutMs?: number;
}

/**
 * Runs `bounded_parse_child.ts` with `args` (its mode first) and `stdin`, under `bounds`: at most
 * `heapMb` of heap (`--v8-flags=--max-old-space-size`), killed after `timeoutMs`.
 */
export async function runBounded(
  args: string[],
  stdin: string,
  bounds: Bounds = {},
): Promise<BoundedRun> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--allow-read",
      "--allow-env",
      `--v8-flags=--max-old-space-size=${bounds.heapMb ?? 64}`,
      CHILD,
      ...args,
    ],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, bounds.timeoutMs ?? 60_000);
  try {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin)).catch(() => {});
    await writer.close().catch(() => {});
    const out = await child.output();
    const text = (b: Uint8Array) => new TextDecoder().decode(b);
    return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr), killed };
  } finally {
    clearTimeout(timer);
  }
}
