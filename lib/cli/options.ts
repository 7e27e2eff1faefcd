/**
 * Options shared by the tools' own CLIs and `main.ts`: `--store`, `--log-format`, `--timeout`,
 * `--max-node-bytes`.
 *
 * @module
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import { DEFAULT_TIMEOUT_MS } from "../store/reconnect.ts";
import { type LogFormat, parseLogFormat } from "../log.ts";
import { message } from "../error_message.ts";

/** The default ZooKeeper connect string. */
export const DEFAULT_STORE = "127.0.0.1:2181";

/** Adds `--store CONNECT` (default `$CLUSTERDEPLOY_STORE` or 127.0.0.1:2181). */
export function addStoreOption(command: Command): Command {
  return command.option(
    "--store <connect>",
    "ZooKeeper connect string host:port[,host:port][/chroot], or file:PATH for the embedded store",
    Deno.env.get("CLUSTERDEPLOY_STORE") ?? DEFAULT_STORE,
  );
}

/** Parses a number of seconds (`--git-timeout`, `--consul-timeout`): finite and > 0. */
export function parsePositiveSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected seconds (> 0)");
  return n;
}

/** Parses a number of seconds that may be 0 (`--lock-wait`, `--transfer-timeout`): finite, ≥ 0. */
export function parseSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError("expected seconds (>= 0)");
  return n;
}

/** Parses a `--log-format` value given as an option argument (`text` or `json`). */
export function parseLogFormatArgument(value: string): LogFormat {
  try {
    return parseLogFormat(value);
  } catch (error) {
    throw new InvalidArgumentError(message(error));
  }
}

/** Parses a `--timeout` value: seconds, a positive number; in milliseconds. */
export function parseTimeoutSeconds(value: string): number {
  const seconds = Number(value);
  if (value.trim() === "" || !Number.isFinite(seconds) || seconds <= 0) {
    throw new InvalidArgumentError(
      `--timeout must be a positive number of seconds, not '${value}'`,
    );
  }
  return Math.round(seconds * 1000);
}

/**
 * `--timeout SECONDS` (default 60), in milliseconds: how long a lost ZooKeeper connection may
 * take to come back before the command gives up (reads are retried once it is back).
 */
export function timeoutOption(): Option {
  return new Option(
    "--timeout <seconds>",
    "how long ZooKeeper may stay unreachable (connection lost) before giving up",
  ).argParser(parseTimeoutSeconds).default(DEFAULT_TIMEOUT_MS, String(DEFAULT_TIMEOUT_MS / 1000));
}

/** Adds `--log-format text|json`. */
export function addLogFormatOption(command: Command): Command {
  return command.addOption(
    new Option("--log-format <format>", "log as text lines or JSON lines")
      .choices(["text", "json"]).default("text"),
  );
}

/** `--max-node-bytes N`: a positive whole number. */
export function parseMaxNodeBytes(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new InvalidArgumentError("expected a whole number of bytes (> 0)");
  }
  return n;
}

/** The help text of `--max-node-bytes`. */
export const MAX_NODE_BYTES_HELP =
  "largest node data accepted (the server's limit; ZooKeeper's jute.maxbuffer)";
