/**
 * Steps: the planned external effects, as data. Plans produce them; the executor performs them
 * (or prints them in test mode).
 *
 * @module
 */

/** A command word: literal, or the trimmed output of an earlier step saved under a name. */
export type Arg = string | { output: string };

/** Runs a command (argv, never a shell string). */
export interface RunStep {
  /** Discriminant. */
  kind: "run";
  /** The command. */
  argv: Arg[];
  /** Working directory. */
  cwd?: string;
  /** Save the trimmed standard output under this name (e.g. a snapshot name). */
  saveAs?: string;
  /** Best-effort steps performed when this one fails (e.g. a failure notification). */
  onFailure?: Step[];
}

/** A write to Consul's HTTP API. */
export type ConsulCall =
  | { op: "kv-put"; key: string; value: string | Record<string, unknown> }
  | { op: "kv-delete"; key: string; recurse?: boolean }
  | { op: "service-register"; service: Record<string, unknown> }
  | { op: "service-deregister"; id: string };

/** Performs a Consul call. */
export interface ConsulStep {
  /** Discriminant. */
  kind: "consul";
  /** The call. */
  call: ConsulCall;
  /** Best-effort steps performed when this one fails. */
  onFailure?: Step[];
}

/** Waits for the old master's transfer notification (`migrate/<name>/<status>`) of an event. */
export interface WaitStep {
  /** Discriminant. */
  kind: "wait-transfer";
  /** The application whose volumes are transferred. */
  name: string;
  /** The event the notification must belong to. */
  eventId: string;
}

/** A log message at this point of the plan (no effect). */
export interface NoteStep {
  /** Discriminant. */
  kind: "note";
  /** The message. */
  message: string;
  /** `warning` for something odd; default info. */
  level?: "info" | "warning";
}

/**
 * Sets `COMPOSE_PROJECT_NAME=<project>` in a checkout's `.env` (other lines kept), so that an
 * operator's compose command in that directory finds the application.
 */
export interface ProjectEnvStep {
  /** Discriminant. */
  kind: "project-env";
  /** The checkout. */
  dir: string;
  /** The compose project. */
  project: string;
}

/**
 * A migrate's restore of `source` into the volume `target`, unless `target` is non-migrable: the
 * engine is asked for the volume's labels (`docker volume inspect`); only a volume that does not
 * exist yet is judged by the target's compose file (`composeNonMigrable`).
 */
export interface MigrableRestoreStep {
  /** Discriminant. */
  kind: "restore-migrable";
  /** The source volume (its latest snapshot is restored). */
  source: string;
  /** The target volume. */
  target: string;
  /** Whether the target's compose file labels the volume non-migrable. */
  composeNonMigrable: boolean;
}

/** One planned step. */
export type Step =
  | RunStep
  | ConsulStep
  | WaitStep
  | NoteStep
  | ProjectEnvStep
  | MigrableRestoreStep;

/** The KV key of an application's document. */
export const appKey = (name: string): string => `app/${name}`;
/** The KV key whose presence puts an application in maintenance mode on the front nodes. */
export const maintenanceKey = (name: string): string => `maintenance/${name}`;
/** The KV prefix of an application's transfer notifications. */
export const transferPrefix = (name: string): string => `migrate/${name}/`;

/** Shows an argv word, placeholders as `<output name>`. */
export function argText(arg: Arg): string {
  return typeof arg === "string" ? arg : `<${arg.output}>`;
}
