/**
 * What an agent is given: {@linkcode AgentOptions}, read by the running agent (`agent.ts`) and by
 * the deployment of one version and the dry-run plan (`bump.ts`).
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { Runner } from "../proc/types.ts";
import type { Store } from "../store/types.ts";
import type { DesiredSource } from "./desired.ts";
import type { PackageManager } from "./packages/types.ts";
import type { ConfiguredIdentity } from "./identity.ts";

/** What an agent needs. */
export interface AgentOptions {
  /** The cluster store. */
  store: Store;
  /** Runs commands. */
  runner: Runner;
  /** Where the agent logs. */
  logger: Logger;
  /** Root of every local path (`/` on a real host). */
  root: string;
  /** This host's name. */
  hostName: string;
  /** The package backend. */
  packages: PackageManager;
  /** Log the output of successful commands too. */
  verbose?: boolean;
  /** Kill any command running longer than this many milliseconds. */
  commandTimeoutMs?: number;
  /** Where the wanted deployments come from (default: the deployment index, else a walk). */
  source?: DesiredSource;
  /** The after-deployment hook's argv (`--after`), or none. */
  after?: readonly string[] | null;
  /** The status file (default `<root>/etc/zim/status`, or `<run-directory>/status`; null for none). */
  statusFile?: string | null;
  /**
   * The identity and run directory from `--config FILE` (see `config.ts`); absent: the identity
   * files below the root.
   */
  config?: ConfiguredIdentity | null;
}
