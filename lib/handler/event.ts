/**
 * Decoding of the JSON array `consul watch -type=event` writes on the handler's standard input.
 *
 * @module
 */
import { BatchError, EventError } from "./errors.ts";
import { isEventId } from "./values.ts";

/** One event as Consul sends it (only the fields the handler reads). */
export interface ConsulEvent {
  /** Unique event ID (a UUID in Consul). */
  ID: string;
  /** Event name: `deploy`, `destroy` or `migrate`. */
  Name: string;
  /** Base64 of the payload. */
  Payload?: string | null;
  /** Other fields (`Version`, `LTime`, filters) are kept but not used. */
  [field: string]: unknown;
}

/** An event whose envelope is valid: ID, name and payload text decoded. */
export interface DecodedEvent {
  /** The event ID. */
  id: string;
  /** The event name. */
  name: string;
  /** The payload, decoded from base64 as UTF-8 text. */
  payload: string;
}

/** The largest payload an event may carry, decoded: 512 KiB. */
export const MAX_PAYLOAD_BYTES = 512 * 1024;
/** The largest batch of events read at once: 32 MiB. */
export const MAX_BATCH_BYTES = 32 * 1024 * 1024;

const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Parses the batch text into raw event objects; throws {@linkcode BatchError} if unreadable. */
export function parseBatch(text: string): unknown[] {
  if (text.length > MAX_BATCH_BYTES / 3) {
    const bytes = new TextEncoder().encode(text).length;
    if (bytes > MAX_BATCH_BYTES) throw new BatchError(batchTooLarge(bytes));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new BatchError(`events: not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed)) {
    throw new BatchError("events: expected a JSON array of events, as consul watch sends them");
  }
  return parsed;
}

/** The ID to name an event by in messages, even when its ID field is bad. */
export function eventLabel(raw: unknown, index: number): string {
  const id = (raw as Record<string, unknown> | null)?.ID;
  return isEventId(id) ? id : `#${index}`;
}

/** Validates one raw event's envelope and decodes its base64 payload. */
export function decodeEvent(raw: unknown, index: number): DecodedEvent {
  const label = eventLabel(raw, index);
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new EventError(label, "(event)", "expected a JSON object");
  }
  const event = raw as Record<string, unknown>;
  if (typeof event.ID !== "string" || event.ID === "") {
    throw new EventError(label, "ID", "required (a non-empty string)");
  }
  if (!isEventId(event.ID)) {
    throw new EventError(label, "ID", `not a valid event ID: ${JSON.stringify(event.ID)}`);
  }
  if (typeof event.Name !== "string" || event.Name === "") {
    throw new EventError(label, "Name", "required (a non-empty string)");
  }
  const payload = event.Payload ?? "";
  if (typeof payload !== "string") {
    throw new EventError(label, "Payload", "expected a base64 string");
  }
  return { id: event.ID, name: event.Name, payload: decodeBase64(label, payload) };
}

/** The error of a batch of `bytes` bytes, over {@linkcode MAX_BATCH_BYTES}. */
export function batchTooLarge(bytes: number | string): string {
  return `events: ${bytes} bytes, more than the ${MAX_BATCH_BYTES / 1024 / 1024} MiB limit`;
}

function decodeBase64(label: string, text: string): string {
  const size = Math.floor(text.length * 3 / 4) - (text.match(/=*$/)?.[0].length ?? 0);
  if (size > MAX_PAYLOAD_BYTES) {
    throw new EventError(
      label,
      "Payload",
      `${size} bytes once decoded, more than the ${MAX_PAYLOAD_BYTES / 1024} KiB limit`,
    );
  }
  if (!BASE64_PATTERN.test(text)) {
    throw new EventError(label, "Payload", "not valid base64");
  }
  const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new EventError(label, "Payload", "not valid UTF-8 once decoded from base64");
  }
}

/** Makes an event as Consul would deliver it, for the direct `deploy '<json>'` form and tests. */
export function makeEvent(id: string, name: string, payload: string): ConsulEvent {
  const bytes = new TextEncoder().encode(payload);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  const base64 = btoa(binary);
  return { ID: id, Name: name, Payload: base64, Version: 1, LTime: 1 };
}
