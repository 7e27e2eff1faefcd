/**
 * A fake process runner for tests: records every argv and answers from a script.
 *
 * @module
 */
import type { Runner, RunOptions, RunResult } from "./types.ts";

/** What a scripted command answers; a function may also act (write files, change state). */
export type FakeReply =
  | Partial<Pick<RunResult, "code" | "stdout" | "stderr" | "timedOut">>
  | ((argv: string[], options: RunOptions) =>
    | Partial<Pick<RunResult, "code" | "stdout" | "stderr" | "timedOut">>
    | Promise<Partial<Pick<RunResult, "code" | "stdout" | "stderr" | "timedOut">>>);

/** One scripted rule: the first rule whose `match` accepts the argv answers it. */
export interface FakeRule {
  /** Exact argv prefix, or a predicate on the argv. */
  match: string[] | ((argv: string[]) => boolean);
  /** The answer. */
  reply: FakeReply;
}

/** One recorded call. */
export interface FakeCall {
  /** The argv. */
  argv: string[];
  /** The options it was run with. */
  options: RunOptions;
}

/** Records calls and answers from rules; unmatched commands succeed with no output. */
export class FakeRunner implements Runner {
  /** Every call, in order. */
  readonly calls: FakeCall[] = [];
  readonly #rules: FakeRule[];

  /** Makes a runner with these rules (more can be added with {@linkcode FakeRunner.on}). */
  constructor(rules: FakeRule[] = []) {
    this.#rules = [...rules];
  }

  /** Adds a rule, tried before the earlier ones. */
  on(match: FakeRule["match"], reply: FakeReply): this {
    this.#rules.unshift({ match, reply });
    return this;
  }

  /** The recorded argvs, each joined with spaces. */
  get commandLines(): string[] {
    return this.calls.map((c) => c.argv.join(" "));
  }

  /** Records the call and answers it. */
  async run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
    this.calls.push({ argv: [...argv], options });
    const rule = this.#rules.find((r) =>
      typeof r.match === "function"
        ? r.match(argv)
        : r.match.length <= argv.length && r.match.every((w, i) => argv[i] === w)
    );
    const reply = rule === undefined
      ? {}
      : typeof rule.reply === "function"
      ? await rule.reply(argv, options)
      : rule.reply;
    return {
      argv,
      code: reply.code ?? 0,
      stdout: reply.stdout ?? "",
      stderr: reply.stderr ?? "",
      timedOut: reply.timedOut ?? false,
    };
  }
}
