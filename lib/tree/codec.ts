/**
 * How node properties are stored as node data: compact JSON of the properties object.
 * Empty data reads as no properties; data that is not a JSON object reads as
 * `{string_value: data}`, and properties that are only `string_value` are stored as that raw
 * string (so `/ZktoolsLocks` data `zktools ZLock dir` round-trips).
 *
 * @module
 */
import type { Properties } from "./model.ts";

/** Encodes properties as node data. */
export function encodeProperties(properties: Properties): string {
  const keys = Object.keys(properties);
  if (keys.length === 0) return "";
  if (
    keys.length === 1 && keys[0] === "string_value" && typeof properties.string_value === "string"
  ) {
    return properties.string_value;
  }
  return JSON.stringify(properties);
}

/** Decodes node data into properties (see the module doc for the rules). */
export function decodeProperties(data: string): Properties {
  if (data === "") return {};
  if (data.trimStart().startsWith("{")) {
    try {
      const parsed = JSON.parse(data);
      if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
        return parsed as Properties;
      }
    } catch {
      // not JSON: a raw string value
    }
  }
  return { string_value: data };
}
