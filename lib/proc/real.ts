/**
 * The real process runner, on `Deno.Command`.
 *
 * @module
 */
import { killTree } from "./kill_tree.ts";
import type { Runner, RunOptions, RunResult } from "./types.ts";
import { message } from "../error_message.ts";

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
      const reason = message(error);
      return { argv, code: 127, stdout: "", stderr: `${argv[0]}: ${reason}\n`, timedOut: false };
    }
    if (options.stdin !== undefined) {
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(options.stdin));
      await writer.close();
    }
    let timedOut = false;
    const stdout = collect(child.stdout);
    const stderr = collect(child.stderr);
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      killTree(child.pid);
    }, options.timeoutMs);
    try {
      const status = await child.status;
      if (timedOut) {
        // A descendant that escaped the kill may still hold the pipes: stop waiting for them.
        const grace = setTimeout(() => {
          stdout.cancel();
          stderr.cancel();
        }, 1000);
        await Promise.allSettled([stdout.text, stderr.text]);
        clearTimeout(grace);
      }
      return {
        argv,
        code: timedOut ? 124 : status.code,
        stdout: await stdout.text,
        stderr: await stderr.text,
        timedOut,
      };
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Reads a stream to the end as text; `cancel` stops early, keeping what was read. */
function collect(stream: ReadableStream<Uint8Array>): { text: Promise<string>; cancel(): void } {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const done = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
    } catch {
      // cancelled
    }
    return text + decoder.decode();
  })();
  return {
    text: done,
    cancel: () => {
      reader.cancel().catch(() => {});
    },
  };
}
