/**
 * A runner that adds environment variables to every command it runs.
 *
 * @module
 */
import type { Runner, RunOptions, RunResult } from "./types.ts";

/** Wraps a runner, adding `env` to each command's environment (the command's own win). */
export class EnvRunner implements Runner {
  readonly #inner: Runner;
  readonly #env: Record<string, string>;

  /** Wraps `inner`. */
  constructor(inner: Runner, env: Record<string, string>) {
    this.#inner = inner;
    this.#env = env;
  }

  /** Runs with the added environment. */
  run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
    return this.#inner.run(argv, { ...options, env: { ...this.#env, ...options.env } });
  }
}
