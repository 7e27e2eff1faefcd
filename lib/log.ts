/**
 * One logger for every tool: text lines `LEVEL message` (as the seed transcripts show them) or
 * one JSON object a line, written to a sink (stderr by default, a memory array in tests).
 *
 * @module
 */

/** Log levels, in the names the seed transcripts print. */
export type Level = "DEBUG" | "INFO" | "WARNING" | "ERROR" | "CRITICAL";

/** Output format of a logger. */
export type LogFormat = "text" | "json";

/** Where formatted lines go: each call receives one complete line without its newline. */
export type LogSink = (line: string) => void;

/** A logger. `raw` writes text that is not a log record (a command's output) as it is. */
export interface Logger {
  /** Debug detail, shown only when the logger was made with `debug: true`. */
  debug(message: string, fields?: Record<string, unknown>): void;
  /** Normal progress. */
  info(message: string, fields?: Record<string, unknown>): void;
  /** Something odd that does not stop the work. */
  warning(message: string, fields?: Record<string, unknown>): void;
  /** A failure. */
  error(message: string, fields?: Record<string, unknown>): void;
  /** A failure that stops everything (ALL STOP, failed deployment). */
  critical(message: string, fields?: Record<string, unknown>): void;
  /** Text that is not a record, such as a command's output; one line per line of text. */
  raw(text: string): void;
}

/** Options for {@linkcode createLogger}. */
export interface LoggerOptions {
  /** `text` (default) or `json`. */
  format?: LogFormat;
  /** Where lines go; default: standard error. */
  sink?: LogSink;
  /** Whether `debug` records are written. */
  debug?: boolean;
}

const encoder = new TextEncoder();

/** A sink that writes each line to standard error. */
export const stderrSink: LogSink = (line) => {
  Deno.stderr.writeSync(encoder.encode(line + "\n"));
};

/** Makes a logger. Text records are `LEVEL message`; JSON records carry `level`, `msg`, `time`. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? "text";
  const sink = options.sink ?? stderrSink;
  const write = (level: Level, message: string, fields?: Record<string, unknown>) => {
    if (level === "DEBUG" && !options.debug) return;
    if (format === "json") {
      sink(JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...fields }));
    } else {
      sink(`${level} ${message}`);
    }
  };
  return {
    debug: (m, f) => write("DEBUG", m, f),
    info: (m, f) => write("INFO", m, f),
    warning: (m, f) => write("WARNING", m, f),
    error: (m, f) => write("ERROR", m, f),
    critical: (m, f) => write("CRITICAL", m, f),
    raw(text) {
      const body = text.endsWith("\n") ? text.slice(0, -1) : text;
      if (body === "") return;
      if (format === "json") {
        sink(JSON.stringify({ time: new Date().toISOString(), level: "INFO", output: body }));
      } else {
        for (const line of body.split("\n")) sink(line);
      }
    },
  };
}

/** A logger that keeps its lines in `lines`, for tests and for printing later. */
export function memoryLogger(
  options: Omit<LoggerOptions, "sink"> = {},
): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({ ...options, sink: (line) => lines.push(line) });
  return Object.assign(logger, { lines });
}

/** Parses a `--log-format` value, throwing a usage error naming the bad value. */
export function parseLogFormat(value: string): LogFormat {
  if (value === "text" || value === "json") return value;
  throw new Error(`--log-format must be text or json, not '${value}'`);
}
