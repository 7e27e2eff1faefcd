/**
 * The real process runner, on `Deno.Command`.
 *
 * @module
 */
import type { Runner, RunOptions, RunResult } from "./types.ts";

const decoder = new TextDecoder();

/** Runs real processes (argv only, no shell), capturing output. */
export class RealRunner implements Runner {
  /** Runs one command; a program that cannot be started gives code 127 and the reason on stderr. */
  async run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
    if (argv.length === 0) throw new Error("RealRunner.run: empty argv");
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(argv[0], {
        args: argv.slice(1),
        cwd: options.cwd,
        env: options.env,
        stdin: options.stdin === undefined ? "null" : "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { argv, code: 127, stdout: "", stderr: `${argv[0]}: ${reason}\n`, timedOut: false };
    }
    if (options.stdin !== undefined) {
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(options.stdin));
      await writer.close();
    }
    let timedOut = false;
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    }, options.timeoutMs);
    try {
      const out = await child.output();
      return {
        argv,
        code: timedOut ? 124 : out.code,
        stdout: decoder.decode(out.stdout),
        stderr: decoder.decode(out.stderr),
        timedOut,
      };
    } finally {
      clearTimeout(timer);
    }
  }
}
