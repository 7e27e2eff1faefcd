/**
 * The shapes of the values the handler puts into paths and argv, one rule each, shared by the
 * checks of fresh events (payload.ts, event.ts), of what is read back from Consul (record.ts)
 * and of the places that use them (app.ts, commands.ts).
 *
 * @module
 */
import { isIP } from "node:net";

const EVENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const NODE = /^[A-Za-z0-9._-]+$/;
const VOLUME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** An event ID (it names a checkout directory): a letter or digit, then `[A-Za-z0-9._-]`. */
export function isEventId(value: unknown): value is string {
  return typeof value === "string" && value.length <= 128 && EVENT_ID.test(value);
}

/** A node name: letters, digits, `.`, `_`, `-`, not starting with `-`. */
export function isNodeName(value: unknown): value is string {
  return typeof value === "string" && value.length <= 255 && !value.startsWith("-") &&
    NODE.test(value);
}

/** An IPv4 or IPv6 address. */
export function isIpAddress(value: unknown): value is string {
  return typeof value === "string" && isIP(value) !== 0;
}

/** A volume name: a letter or digit, then docker's name characters `[A-Za-z0-9_.-]`. */
export function isVolumeName(value: unknown): value is string {
  return typeof value === "string" && VOLUME.test(value);
}

/** A volume of the compose project `project`: `<project>_<name>`, docker's name characters. */
export function isProjectVolume(value: unknown, project: string): value is string {
  return isVolumeName(value) && value.startsWith(`${project}_`) &&
    value.length > project.length + 1;
}

/** Quotes a value for an error message (JSON, cut at 80 characters). */
export function shown(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
