/**
 * The process-runner contract: argv arrays only, never a shell string.
 *
 * @module
 */

/** Options for one command. */
export interface RunOptions {
  /** Working directory. */
  cwd?: string;
  /** Extra environment variables (added to the inherited environment). */
  env?: Record<string, string>;
  /** Text written to the command's standard input. */
  stdin?: string;
  /** Kill the command after this many milliseconds (it then counts as failed, `timedOut`). */
  timeoutMs?: number;
}

/** What a finished command gave back. */
export interface RunResult {
  /** The argv that ran. */
  argv: string[];
  /** Exit status; 127 when the program could not be started, 124 on timeout. */
  code: number;
  /** Captured standard output. */
  stdout: string;
  /** Captured standard error. */
  stderr: string;
  /** True when the command was killed for running past `timeoutMs`. */
  timedOut: boolean;
}

/** Runs commands. Implementations: {@linkcode RealRunner} and {@linkcode FakeRunner}. */
export interface Runner {
  /** Runs `argv` (argv[0] is the program) and resolves when it has ended; never rejects for a non-zero exit. */
  run(argv: string[], options?: RunOptions): Promise<RunResult>;
}

/** Thrown by {@linkcode check} when a command fails. */
export class CommandError extends Error {
  /** The failed command's result. */
  readonly result: RunResult;
  /** Makes the error; the message is `Command failed: <command line>`. */
  constructor(result: RunResult) {
    super(`Command failed: ${formatArgv(result.argv)}${result.timedOut ? " (timed out)" : ""}`);
    this.name = "CommandError";
    this.result = result;
  }
}

/** Throws {@linkcode CommandError} unless the command exited 0. */
export function check(result: RunResult): RunResult {
  if (result.code !== 0) throw new CommandError(result);
  return result;
}

/** The command line as an operator reads it: words joined by spaces, quoted when needed. */
export function formatArgv(argv: readonly string[]): string {
  return argv.map((word) => /^[\w@%+=:,./-]+$/.test(word) ? word : quote(word)).join(" ");
}

function quote(word: string): string {
  return `'${word.replaceAll("'", `'"'"'`)}'`;
}
