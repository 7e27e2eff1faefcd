/**
 * The agent's status file: one record, `<epoch seconds> <pid> <version> <status>`, rewritten
 * atomically (a temporary file renamed over it) at every step, for `clusterdeploy monitor`.
 * The version is the one being deployed or last deployed; the status is `done`,
 * `error <message>`, or what the agent is doing now (`installing z4m-1.0.0`,
 * `deploying /cust/app 0`). Default place: `<root>/etc/zim/status`.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import { showVersion } from "../cluster/mod.ts";
import type { Value } from "../tree/model.ts";
import type { Step } from "./plan.ts";
import { controllerScript } from "./role_controller.ts";
import { message } from "../error_message.ts";
import { underRoot } from "../fs.ts";

/** The default status file, relative to the agent's root. */
export const STATUS_FILE = "etc/zim/status";

/** The default status file below `root`. */
export function defaultStatusFile(root: string): string {
  return underRoot(root, STATUS_FILE);
}

/** A version as one word of the status record (whitespace written `_`). */
export function statusVersion(version: Value): string {
  return showVersion(version).replace(/\s/g, "_");
}

/** What the agent is doing during `step`, as the status says it. */
export function stepStatus(step: Step): string {
  switch (step.kind) {
    case "undeploy":
      return `removing ${step.deployment.path} ${step.deployment.n}`;
    case "package":
      return `installing ${step.pkg}${step.version === null ? "" : `-${step.version}`}`;
    case "checkout":
      return `checking out ${step.pkg} ${step.location.url}`;
    case "deploy":
      return `deploying ${step.deployment.path} ${step.deployment.n}`;
    case "remove-checkout":
    case "remove-package":
      return `removing ${step.pkg}`;
    case "remove-etc":
      return `removing /etc/${step.app}`;
    case "role-start":
      return `running ${controllerScript(step.pkg, "starting-deployments")}`;
    case "role-end":
      return `running ${controllerScript(step.pkg, "ending-deployments")}`;
  }
}

/** One status record as read back. */
export interface StatusRecord {
  /** When it was written, in seconds since the epoch. */
  time: number;
  /** The agent's process id. */
  pid: number;
  /** The version, as {@linkcode statusVersion} wrote it. */
  version: string;
  /** The status text. */
  status: string;
}

/** The text of a status record (one line). */
export function formatStatus(record: StatusRecord): string {
  const status = record.status.replace(/\s+/g, " ").trim();
  return `${record.time} ${record.pid} ${record.version} ${status}\n`;
}

/** Parses a status file's text; throws naming what is wrong. */
export function parseStatus(text: string, file: string): StatusRecord {
  const match = /^(\d+(?:\.\d+)?) (\d+) (\S+) (.+)$/.exec(text.trim());
  if (match === null) {
    throw new Error(`${file}: not a status record ('<time> <pid> <version> <status>')`);
  }
  return { time: Number(match[1]), pid: Number(match[2]), version: match[3], status: match[4] };
}

/** Writes the status file; a write that fails is logged once and never fails a deployment. */
export class StatusFile {
  /** The file, or null for none. */
  readonly path: string | null;
  readonly #logger: Logger;
  #warned = false;

  /** Writes to `path` (none when null). */
  constructor(path: string | null, logger: Logger) {
    this.path = path;
    this.#logger = logger;
  }

  /** Replaces the record with `<now> <pid> <version> <status>`, atomically. */
  write(version: Value, status: string): void {
    if (this.path === null) return;
    const temporary = `${this.path}.tmp-${Deno.pid}`;
    const text = formatStatus({
      time: Math.floor(Date.now() / 1000),
      pid: Deno.pid,
      version: statusVersion(version),
      status: status.replace(/\s+/g, " ").trim() || "-",
    });
    try {
      Deno.mkdirSync(this.path.slice(0, this.path.lastIndexOf("/")) || "/", { recursive: true });
      Deno.writeTextFileSync(temporary, text);
      Deno.renameSync(temporary, this.path);
      this.#warned = false;
    } catch (error) {
      try {
        Deno.removeSync(temporary);
      } catch { /* not there */ }
      if (!this.#warned) {
        this.#warned = true;
        this.#logger.warning(`Could not write the status file ${this.path}: ${message(error)}`);
      }
    }
  }
}
