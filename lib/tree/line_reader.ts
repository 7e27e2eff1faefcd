/**
 * Reading tree text as a stream of lines in bounded memory: bytes come in chunks, are split at
 * `\n` (a byte that is never part of a multi-byte UTF-8 sequence), and each run of whole lines is
 * decoded as strict UTF-8 (invalid UTF-8 is an error naming the file and the line, never
 * replaced). No line longer than the limit is ever held: when a line reaches
 * {@linkcode maxLineBytes} bytes without ending, reading stops there with an error at that line
 * and column, before the rest of the line is read.
 *
 * @module
 */
import { TreeSyntaxError } from "./model.ts";

/**
 * How many bytes of tree text one stored byte may take at most, short of padding: the escape
 * `\U00000041` writes one byte (`A`) in 10 characters.
 */
export const LINE_BYTES_PER_NODE_BYTE = 10;

/**
 * Room on a line beyond that: its indentation, property name and operator, a comment — and
 * enough that with a small `--max-node-bytes` the other checks (value nesting, node size) still
 * explain a bad line better than its length does.
 */
export const LINE_SLACK_BYTES = 65_536;

/**
 * The longest line accepted when nodes may hold `maxNodeBytes` bytes: a value must fit on one
 * line, and no storable value takes more than {@linkcode LINE_BYTES_PER_NODE_BYTE} bytes of
 * text per stored byte, so a longer line can only hold a value the store refuses (or absurd
 * padding: spaces inside a list, a comment after the value).
 */
export function maxLineBytes(maxNodeBytes: number): number {
  return LINE_BYTES_PER_NODE_BYTE * maxNodeBytes + LINE_SLACK_BYTES;
}

const NEWLINE = 0x0a;

/** Lines read together, each with the byte offset in the stream where it starts. */
export interface LineBatch {
  /** The lines, without their endings. */
  lines: string[];
  /** `offsets[i]`: where `lines[i]` starts, in bytes from the start of the stream. */
  offsets: number[];
}

/**
 * The lines of `stream`, in batches (one batch per chunk read, holding the lines that chunk
 * completed, with their byte offsets), without their `\n` or `\r\n` ending and with a leading byte order mark dropped.
 * The last line is yielded even without a final newline. Throws {@linkcode TreeSyntaxError} at
 * `file:line:1` for invalid UTF-8 and at `file:line:column` when a line goes over `limit` bytes
 * (the column where the limit was reached) — having read at most `limit` bytes of that line plus
 * the chunk that crossed it. The stream is cancelled when reading stops early.
 */
export async function* readTreeLines(
  stream: ReadableStream<Uint8Array>,
  file: string,
  limit: number,
  /** The byte offset the stream starts at in its file (added to the offsets given). */
  startOffset = 0,
): AsyncGenerator<LineBatch> {
  const reader = stream.getReader();
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  /** The start of the current, unfinished line, from earlier chunks. */
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  /** The number of the line being read (the one `pending` starts). */
  let line = 1;
  /** Where the current line starts, and where the next chunk does. */
  let lineStart = startOffset;
  let chunkStart = startOffset;
  let done = false;
  try {
    while (true) {
      const { value: chunk, done: end } = await reader.read();
      if (end) break;
      if (chunk.length === 0) continue;
      const firstLine = line;
      const offsets: number[] = [];
      let start = 0;
      let head = pending;
      let held = pendingBytes;
      for (let nl = chunk.indexOf(NEWLINE); nl >= 0; nl = chunk.indexOf(NEWLINE, start)) {
        if (held + nl - start > limit) tooLong(head, chunk.subarray(start, nl), file, line, limit);
        line++;
        offsets.push(lineStart);
        lineStart = chunkStart + nl + 1;
        start = nl + 1;
        head = [];
        held = 0;
      }
      const rest = chunk.subarray(start);
      if (held + rest.length > limit) tooLong(head, rest, file, line, limit);
      if (start > 0) {
        const whole = concat([...pending, chunk.subarray(0, start)]);
        const lines = splitLines(decodeLines(decoder, whole, file, firstLine, true));
        chunkStart += chunk.length;
        yield { lines, offsets };
        pending = [];
        pendingBytes = 0;
      }
      if (start === 0) chunkStart += chunk.length;
      if (rest.length > 0) {
        pending.push(start > 0 ? rest.slice() : rest);
        pendingBytes += rest.length;
      }
    }
    const last = decodeLines(decoder, concat(pending), file, line, false);
    if (last !== "") yield { lines: splitLines(last), offsets: [lineStart] };
    done = true;
  } finally {
    if (!done) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/** Throws the error for a line that reached the limit: its column is where it did. */
function tooLong(
  head: readonly Uint8Array[],
  rest: Uint8Array,
  file: string,
  line: number,
  limit: number,
): never {
  const held = head.reduce((n, part) => n + part.length, 0);
  const prefix = concat([...head, rest.subarray(0, Math.max(0, limit - held))]);
  const column = new TextDecoder().decode(prefix).length + 1;
  throw new TreeSyntaxError(
    { file, line, column },
    `line longer than ${limit} bytes, more than any node under --max-node-bytes needs ` +
      `(a value must fit on one line)`,
  );
}

/** Decodes whole lines strictly; on invalid UTF-8, finds the line it is on. */
function decodeLines(
  decoder: TextDecoder,
  bytes: Uint8Array,
  file: string,
  firstLine: number,
  more: boolean,
): string {
  try {
    return decoder.decode(bytes, { stream: more });
  } catch {
    const strict = new TextDecoder("utf-8", { fatal: true });
    let line = firstLine;
    let start = 0;
    for (let i = 0; i <= bytes.length; i++) {
      if (i < bytes.length && bytes[i] !== NEWLINE) continue;
      try {
        strict.decode(bytes.subarray(start, i));
      } catch {
        break;
      }
      line++;
      start = i + 1;
    }
    throw new TreeSyntaxError({ file, line, column: 1 }, "invalid UTF-8");
  }
}

/** Splits decoded text into lines (`\n` or `\r\n`), dropping the empty piece after a final `\n`. */
function splitLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].endsWith("\r")) lines[i] = lines[i].slice(0, -1);
  }
  return lines;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const total = parts.reduce((n, part) => n + part.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
