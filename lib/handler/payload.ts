/**
 * Validation of the deploy, destroy and migrate payloads. Every value that reaches a command
 * line is checked here: no option-like value (leading `-`), no shell-special character.
 *
 * @module
 */
import { branchProblem, repoUrlProblem } from "../git_ref.ts";
import { EventError } from "./errors.ts";
import { MAX_PAYLOAD_BYTES } from "./event.ts";
import { isNodeName } from "./values.ts";

/** `deploy`: where the application comes from and which nodes serve it. */
export interface DeployPayload {
  /** Git URL of the application. */
  repo: string;
  /** Branch (or tag) to check out. */
  branch: string;
  /** Node that runs the application. */
  master: string;
  /** Node that receives the replicated snapshots, if any. */
  slave?: string;
  /** Whether to run the application's `update.sh` before starting it. */
  update: boolean;
}

/** `destroy`: which application to remove. */
export interface DestroyPayload {
  /** Git URL of the application. */
  repo: string;
  /** Its branch. */
  branch: string;
}

/** `migrate`: copy the data volumes of one application into another. */
export interface MigratePayload {
  /** Source application's repo. */
  repo: string;
  /** Source application's branch. */
  branch: string;
  /** Target application (missing parts are the source's). */
  target: { repo: string; branch: string };
  /** Whether to run the target's `update.sh` after the copy (default true). */
  update: boolean;
}

/** How deep a payload's JSON may nest (a payload's fields are one or two levels deep). */
export const MAX_PAYLOAD_DEPTH = 16;

/** Parses the payload text as a JSON object, naming the event when it is not one. */
export function parseJsonObject(eventId: string, text: string): Record<string, unknown> {
  if (text.trim() === "") throw new EventError(eventId, "Payload", "empty");
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > MAX_PAYLOAD_BYTES) {
    throw new EventError(
      eventId,
      "Payload",
      `${bytes} bytes, more than the ${MAX_PAYLOAD_BYTES / 1024} KiB limit`,
    );
  }
  if (jsonDepth(text) > MAX_PAYLOAD_DEPTH) {
    throw new EventError(eventId, "Payload", `nested deeper than ${MAX_PAYLOAD_DEPTH} levels`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new EventError(eventId, "Payload", `not valid JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new EventError(eventId, "Payload", "expected a JSON object");
  }
  return value as Record<string, unknown>;
}

/** Checks a repository URL: required, no leading `-`, only URL characters (no shell ones). */
export function checkRepo(eventId: string, field: string, value: unknown): string {
  const repo = requiredString(eventId, field, value);
  const problem = repoUrlProblem(repo);
  if (problem === "must not start with '-'") throw new EventError(eventId, field, problem);
  if (problem !== undefined) throw new EventError(eventId, field, `${problem}: ${repo}`);
  return repo;
}

/** Checks a branch name: required, and acceptable to git and to a shell ({@linkcode branchProblem}). */
export function checkBranch(eventId: string, field: string, value: unknown): string {
  const branch = requiredString(eventId, field, value);
  const problem = branchProblem(branch);
  if (problem === "must not start with '-'") throw new EventError(eventId, field, problem);
  if (problem !== undefined) {
    throw new EventError(eventId, field, `not a valid branch name: ${branch} (${problem})`);
  }
  return branch;
}

/** Checks a node name: no leading `-`, letters, digits, `.`, `_`, `-`. */
export function checkNode(eventId: string, field: string, value: unknown): string {
  const node = requiredString(eventId, field, value);
  if (!isNodeName(node)) {
    throw new EventError(eventId, field, `not a valid node name: ${node}`);
  }
  return node;
}

function requiredString(eventId: string, field: string, value: unknown): string {
  if (value === undefined || value === null || value === "") {
    throw new EventError(eventId, field, "required");
  }
  if (typeof value !== "string") throw new EventError(eventId, field, "expected a string");
  return value.trim();
}

function optionalBoolean(eventId: string, field: string, value: unknown, dflt: boolean): boolean {
  if (value === undefined || value === null) return dflt;
  if (typeof value !== "boolean") throw new EventError(eventId, field, "expected true or false");
  return value;
}

/** Validates a deploy payload; `target` is accepted as the older name of `master`. */
export function parseDeploy(eventId: string, text: string): DeployPayload {
  const p = parseJsonObject(eventId, text);
  const repo = checkRepo(eventId, "Payload.repo", p.repo);
  const branch = checkBranch(eventId, "Payload.branch", p.branch);
  const masterField = p.master === undefined && p.target !== undefined ? "target" : "master";
  const master = checkNode(eventId, `Payload.${masterField}`, p[masterField]);
  const slave = p.slave === undefined || p.slave === null || p.slave === ""
    ? undefined
    : checkNode(eventId, "Payload.slave", p.slave);
  if (slave === master) {
    throw new EventError(eventId, "Payload.slave", `must differ from the master (${master})`);
  }
  const update = optionalBoolean(eventId, "Payload.update", p.update, false);
  return slave === undefined
    ? { repo, branch, master, update }
    : { repo, branch, master, slave, update };
}

/** Validates a destroy payload. */
export function parseDestroy(eventId: string, text: string): DestroyPayload {
  const p = parseJsonObject(eventId, text);
  return {
    repo: checkRepo(eventId, "Payload.repo", p.repo),
    branch: checkBranch(eventId, "Payload.branch", p.branch),
  };
}

/** Validates a migrate payload; a missing target repo or branch is the source's. */
export function parseMigrate(eventId: string, text: string): MigratePayload {
  const p = parseJsonObject(eventId, text);
  const repo = checkRepo(eventId, "Payload.repo", p.repo);
  const branch = checkBranch(eventId, "Payload.branch", p.branch);
  const t = p.target;
  if (t === null || typeof t !== "object" || Array.isArray(t)) {
    throw new EventError(eventId, "Payload.target", "required (an object with repo and/or branch)");
  }
  const target = t as Record<string, unknown>;
  if (target.repo === undefined && target.branch === undefined) {
    throw new EventError(eventId, "Payload.target", "needs a repo or a branch");
  }
  const targetRepo = target.repo === undefined
    ? repo
    : checkRepo(eventId, "Payload.target.repo", target.repo);
  const targetBranch = target.branch === undefined
    ? branch
    : checkBranch(eventId, "Payload.target.branch", target.branch);
  const update = optionalBoolean(eventId, "Payload.update", p.update, true);
  return { repo, branch, target: { repo: targetRepo, branch: targetBranch }, update };
}

/** The deepest nesting of `[` and `{` in JSON text (outside strings), without parsing it. */
function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) max = depth;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return max;
}
