/**
 * Running one command for a deployment: logged by its real name (`INFO /opt/z4m/bin/…`), run
 * under the root, its output logged when it fails (`ERROR FAILURE`) or in verbose mode
 * (`INFO SUCCESS`).
 *
 * @module
 */
import type { Logger } from "../log.ts";
import { CommandError, formatArgv, type Runner, type RunResult } from "../proc/types.ts";
import { underRoot } from "../fs.ts";

/** A command word: plain text, or a host path that is prefixed with the root when run. */
export type Word = string | { local: string };

/** Marks `path` (`/opt/pywrite`) as a host path. */
export function local(path: string): Word {
  return { local: path };
}

/** The command as logged: host paths without the root. */
export function shownArgv(words: readonly Word[]): string[] {
  return words.map((w) => typeof w === "string" ? w : w.local);
}

/** Options for {@linkcode CommandRunner}. */
export interface CommandRunnerOptions {
  /** Runs the processes. */
  runner: Runner;
  /** Where command lines and output go. */
  logger: Logger;
  /** The root every host path is below. */
  root: string;
  /** Log output of successful commands too. */
  verbose: boolean;
  /** Kill a command after this many milliseconds. */
  timeoutMs?: number;
}

/** Runs deployment commands with the agent's logging. */
export class CommandRunner {
  readonly #options: CommandRunnerOptions;
  /** How many commands it has run. */
  count = 0;

  /** Makes the runner. */
  constructor(options: CommandRunnerOptions) {
    this.#options = options;
  }

  /**
   * Runs `words` (in the host directory `cwd`, when given). A failure logs the output and
   * `ERROR FAILURE` and, unless `check` is false, throws {@linkcode CommandError} naming the
   * command as logged.
   */
  async run(
    words: readonly Word[],
    options: { cwd?: string; check?: boolean } = {},
  ): Promise<RunResult> {
    const { runner, logger, root, verbose, timeoutMs } = this.#options;
    const shown = shownArgv(words);
    logger.info(formatArgv(shown));
    this.count++;
    const argv = words.map((w) => typeof w === "string" ? w : underRoot(root, w.local));
    const result = await runner.run(argv, {
      cwd: options.cwd === undefined ? undefined : underRoot(root, options.cwd),
      timeoutMs,
    });
    const failed = result.code !== 0;
    if (failed || verbose) {
      logger.raw(result.stdout);
      logger.raw(result.stderr);
    }
    if (failed) {
      logger.error("FAILURE");
      if (options.check ?? true) throw new CommandError({ ...result, argv: shown });
    } else if (verbose) {
      logger.info("SUCCESS");
    }
    return result;
  }
}
