/**
 * How node properties are stored as node data: compact JSON of the properties object.
 * Empty data reads as no properties; data that is not a JSON object reads as
 * `{string_value: data}`, and properties that are only `string_value` are stored as that raw
 * string (so `/ZktoolsLocks` data `zktools ZLock dir` round-trips) — unless the raw string
 * would read back as something else (`''`, `'{}'`, any JSON object), which is stored as JSON.
 *
 * @module
 */
import { parseJson } from "./json.ts";
import type { Properties } from "./model.ts";

/** Encodes properties as node data. */
export function encodeProperties(properties: Properties): string {
  const keys = Object.keys(properties);
  if (keys.length === 0) return "";
  if (
    keys.length === 1 && keys[0] === "string_value" && typeof properties.string_value === "string"
  ) {
    const raw = properties.string_value;
    if (raw !== "" && !isJsonObject(raw)) return raw;
  }
  return JSON.stringify(properties);
}

/** The UTF-8 length of a string, without encoding it. */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 2; // a surrogate pair: 2 code units, 4 bytes
        i++;
      } else bytes += 2;
    } else bytes += 2;
  }
  return bytes;
}

/** Decodes node data into properties (see the module doc for the rules). */
export function decodeProperties(data: string): Properties {
  if (data === "") return {};
  return jsonObject(data) ?? { string_value: data };
}

/** Whether `data` is the JSON text of an object (its keys do not matter: plain `JSON.parse`). */
function isJsonObject(data: string): boolean {
  return jsonObject(data, JSON.parse) !== undefined;
}

/** The object `data` is the JSON text of, parsed once; undefined when it is not one. */
function jsonObject(data: string, parse = parseJson): Properties | undefined {
  if (!data.trimStart().startsWith("{")) return undefined;
  let parsed: unknown;
  try {
    parsed = parse(data);
  } catch (error) {
    if (error instanceof SyntaxError) return undefined; // not JSON: a raw string value
    throw error;
  }
  return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)
    ? parsed as Properties
    : undefined;
}
