/**
 * The parsed command line of `agent`, as `lib/agent/cli.ts` builds it and `lib/agent/cli_run.ts`
 * runs it.
 *
 * @module
 */
import type { PackageManagerName } from "./packages/types.ts";

/** The parsed options of `agent`. */
export interface AgentFlags {
  store: string;
  root: string;
  runOnce: boolean;
  verbose: boolean;
  debug: boolean;
  dryRun: boolean;
  packageManager: PackageManagerName;
  hostName?: string;
  logFormat: string;
  commandTimeout: string;
  sessionTimeout: string;
  after?: string;
  statusFile?: string;
  config?: string;
  assertZookeeperAddress?: string;
}
