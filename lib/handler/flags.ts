/**
 * The parsed command line of `handler`, as `lib/handler/cli.ts` builds it and
 * `lib/handler/cli_run.ts` runs it.
 *
 * @module
 */

/** The parsed options of `handler` and its subcommands. */
export interface HandlerFlags {
  consul: string;
  node?: string;
  deployDir: string;
  logFormat: "text" | "json";
  test?: boolean;
  compose: string;
  volumeDriver: string;
  lockWait: number;
  transferTimeout: number;
  consulTimeout: number;
  gitTimeout: number;
  eventId?: string;
}
