/**
 * Running git with bounds, for every tool that fetches from a remote (sync, the handler): a
 * {@linkcode Runner} wrapper that gives each `git` command an overall timeout (enforced by the
 * process runner, which kills the process group), git's own low-speed limits for http(s), no
 * prompts, and only the transports a tree or app repository may use (never `ext::` or `fd::`).
 *
 * @module
 */
import type { Runner, RunOptions, RunResult } from "./proc/types.ts";

/** The default `--git-timeout`, seconds. */
export const DEFAULT_GIT_TIMEOUT_S = 300;

/** git's transports allowed (`GIT_ALLOW_PROTOCOL`): local paths, file, git, http(s), ssh. */
export const GIT_PROTOCOLS = "file:git:http:https:ssh";

/** Options of {@linkcode GitRunner}. */
export interface GitRunnerOptions {
  /** Overall limit per git command, seconds. */
  timeoutS: number;
  /** The option that sets it, named when it expires (default `--git-timeout`). */
  optionName?: string;
  /** Abort an http(s) transfer slower than this many bytes per second… (default 1000). */
  lowSpeedLimit?: number;
  /** …for this many seconds (default 60, never more than the overall limit). */
  lowSpeedTimeS?: number;
}

/** The environment git runs with under a {@linkcode GitRunner}. */
export function gitEnvironment(options: GitRunnerOptions): Record<string, string> {
  const lowTime = Math.max(1, Math.min(options.lowSpeedTimeS ?? 60, Math.ceil(options.timeoutS)));
  return {
    GIT_TERMINAL_PROMPT: "0",
    GIT_ALLOW_PROTOCOL: GIT_PROTOCOLS,
    GIT_HTTP_LOW_SPEED_LIMIT: String(options.lowSpeedLimit ?? 1000),
    GIT_HTTP_LOW_SPEED_TIME: String(lowTime),
  };
}

/**
 * Runs `git …` commands through `inner` with the bounds above; other commands pass unchanged.
 * A git command that runs past the timeout is killed and fails (code 124) with standard error
 * saying `git timed out after N s (--git-timeout)`.
 */
export class GitRunner implements Runner {
  readonly #inner: Runner;
  readonly #options: GitRunnerOptions;

  /** Wraps `inner`. */
  constructor(inner: Runner, options: GitRunnerOptions) {
    this.#inner = inner;
    this.#options = options;
  }

  /** Runs one command. */
  async run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
    if (argv[0] !== "git") return this.#inner.run(argv, options);
    const limitMs = Math.round(this.#options.timeoutS * 1000);
    const result = await this.#inner.run(argv, {
      ...options,
      env: { ...gitEnvironment(this.#options), ...options.env },
      timeoutMs: Math.min(options.timeoutMs ?? Infinity, limitMs),
    });
    if (!result.timedOut) return result;
    const note = `git timed out after ${this.#options.timeoutS} s ` +
      `(${this.#options.optionName ?? "--git-timeout"})`;
    return { ...result, stderr: `${note}\n${result.stderr}`.trimEnd() + "\n" };
  }
}
