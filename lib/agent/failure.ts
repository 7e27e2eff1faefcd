/**
 * How the agent reports a failed deployment of a version: in its log (the phase with the error,
 * the error's name and message as they are, then `FAILED … version …` as critical) and in the
 * status file (`error …`). ALL STOP itself is the host report's (`host_report.ts`).
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { Value } from "../tree/model.ts";
import { showVersion } from "../cluster/mod.ts";
import { message } from "../error_message.ts";
import type { StatusFile } from "./status_file.ts";

/** What failed: the deployment itself, or the after-deployment hook. */
export type FailedPhase = "deploying" | "after";

/** Logs that `phase` of deploying `version` failed with `error`, and shows it in `status`. */
export function reportFailure(
  logger: Logger,
  status: StatusFile,
  version: Value,
  error: unknown,
  phase: FailedPhase,
): void {
  const text = message(error);
  logger.error(phase, { error: text });
  logger.raw(`${error instanceof Error ? error.name : "Error"}: ${text}`);
  const what = phase === "after" ? "after deploying" : phase;
  logger.critical(`FAILED ${what} version ${showVersion(version)}`);
  status.write(version, `error ${text}`);
}
