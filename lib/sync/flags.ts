/**
 * The parsed command line of `sync`, as `lib/sync/cli.ts` builds it and `lib/sync/cli_run.ts`
 * runs it.
 *
 * @module
 */

/** The parsed options of `sync`. */
export interface SyncFlags {
  store: string;
  branch?: string;
  treeDir?: string;
  dryRun: boolean;
  force: boolean;
  gitTimeout: number;
  maxNodeBytes: number;
  timeout: number;
  logFormat: string;
  verbose: boolean;
  keepHistory: number;
}
