/**
 * Loading tree files the way every command does: strict UTF-8, parsed, then checked against
 * what the store accepts and what the tree may name, before anything is written.
 *
 * @module
 */
import { encodeProperties } from "./codec.ts";
import { emptyNode, joinPath, type TreeNode, TreeSyntaxError } from "./model.ts";
import { nodeSizeReason, type ParseOptions, parseTree, TreeParser } from "./parse.ts";
import { maxLineBytes, readTreeLines } from "./line_reader.ts";
import { checkTreeValues } from "./safe_values.ts";
import { DEFAULT_MAX_NODE_BYTES } from "./limits.ts";

export { DEFAULT_MAX_NODE_BYTES };

/**
 * Decodes tree file bytes as UTF-8; invalid UTF-8 is an error naming `file` and the line
 * (never silently replaced).
 */
export function decodeTreeText(bytes: Uint8Array, file: string): string {
  const fatal = new TextDecoder("utf-8", { fatal: true });
  try {
    return fatal.decode(bytes);
  } catch {
    let line = 1;
    let start = 0;
    for (let i = 0; i <= bytes.length; i++) {
      if (i < bytes.length && bytes[i] !== 0x0a) continue;
      try {
        fatal.decode(bytes.subarray(start, i));
      } catch {
        break;
      }
      line++;
      start = i + 1;
    }
    throw new TreeSyntaxError({ file, line, column: 1 }, "invalid UTF-8");
  }
}

/**
 * Throws a {@linkcode TreeSyntaxError} at the first node whose encoded data is larger than
 * `maxBytes` bytes, naming its size and the limit.
 */
export function checkNodeSizes(root: TreeNode, maxBytes: number): void {
  const encoder = new TextEncoder();
  const walk = (node: TreeNode, path: string) => {
    if (path !== "/") {
      const size = encoder.encode(encodeProperties(node.properties)).length;
      if (size > maxBytes) {
        throw new TreeSyntaxError(
          node.source ?? { file: "<tree>", line: 1, column: 1 },
          nodeSizeReason(path, size, maxBytes),
        );
      }
    }
    for (const [name, child] of node.children) walk(child, joinPath(path, name));
  };
  walk(root, "/");
}

/** Options for {@linkcode loadTreeText}. */
export interface LoadOptions {
  /** The node data limit (default {@linkcode DEFAULT_MAX_NODE_BYTES}). */
  maxNodeBytes?: number;
}

/**
 * Parses tree text and checks it: node sizes ({@linkcode checkNodeSizes}) and the values the
 * tree names (`checkTreeValues`). Throws {@linkcode TreeSyntaxError} on the first problem.
 */
export function loadTreeText(text: string, file: string, options: LoadOptions = {}): TreeNode {
  const tree = parseTree(text, file);
  checkTree(tree, options);
  return tree;
}

/** The checks of {@linkcode loadTreeText} on an already parsed (or layered) tree. */
export function checkTree(tree: TreeNode, options: LoadOptions = {}): void {
  checkNodeSizes(tree, options.maxNodeBytes ?? DEFAULT_MAX_NODE_BYTES);
  checkTreeValues(tree);
}

/**
 * Parses tree text read from `stream` as it comes (see `readTreeLines`: chunks, strict UTF-8,
 * no line over {@linkcode maxLineBytes} of the node limit ever held) and refuses a node as soon
 * as its data is over the limit. With `onTopLevel`, each top-level subtree is handed over once
 * complete and dropped (the root returned is then empty). The syntax and size checks only:
 * {@linkcode checkTree} does the rest.
 */
export async function parseTreeStream(
  stream: ReadableStream<Uint8Array>,
  file: string,
  options: LoadOptions & Pick<ParseOptions, "onTopLevel"> = {},
): Promise<TreeNode> {
  const maxNodeBytes = options.maxNodeBytes ?? DEFAULT_MAX_NODE_BYTES;
  const parser = new TreeParser(file, { maxNodeBytes, onTopLevel: options.onTopLevel });
  for await (const { lines, offsets } of readTreeLines(stream, file, maxLineBytes(maxNodeBytes))) {
    for (let i = 0; i < lines.length; i++) parser.line(lines[i], offsets[i]);
  }
  return parser.finish();
}

/**
 * {@linkcode loadTreeText} on a stream: parsed as it is read ({@linkcode parseTreeStream}) and
 * checked. With `onTopLevel`, each top-level subtree is checked, handed over and dropped, so
 * memory stays bounded by the largest one (what `tree validate` does).
 */
export async function loadTreeStream(
  stream: ReadableStream<Uint8Array>,
  file: string,
  options: LoadOptions & Pick<ParseOptions, "onTopLevel"> = {},
): Promise<TreeNode> {
  const onTopLevel = options.onTopLevel;
  if (onTopLevel === undefined) {
    const tree = await parseTreeStream(stream, file, options);
    checkTreeValues(tree);
    return tree;
  }
  return await parseTreeStream(stream, file, {
    ...options,
    onTopLevel(node, offset) {
      const root = emptyNode();
      root.children.set(node.name, node);
      checkTreeValues(root);
      onTopLevel(node, offset);
    },
  });
}

/** The bytes of a file as a stream (closed once read to the end or cancelled). */
export async function openTreeFile(path: string): Promise<ReadableStream<Uint8Array>> {
  return (await Deno.open(path)).readable;
}

/** Where a top-level node's definition starts in a file. */
export interface TopLevelAt {
  /** The file's name, as errors give it. */
  file: string;
  /** The byte offset of its node line. */
  offset: number;
  /** The number of its node line. */
  line: number;
}

/**
 * Parses the one top-level subtree whose node line is at `at` in the file at `path`: reads from
 * there and stops at the next top-level node (or the end), the rest of the file unread. For a
 * file already validated: the syntax and size checks run again, the value checks do not.
 */
export async function readTopLevelAt(
  path: string,
  at: TopLevelAt,
  options: LoadOptions & Pick<ParseOptions, "keepSources"> = {},
): Promise<TreeNode> {
  const maxNodeBytes = options.maxNodeBytes ?? DEFAULT_MAX_NODE_BYTES;
  let found: TreeNode | undefined;
  const parser = new TreeParser(at.file, {
    maxNodeBytes,
    firstLine: at.line,
    keepSources: options.keepSources,
    onTopLevel: (node) => found ??= node,
  });
  const file = await Deno.open(path);
  try {
    await file.seek(at.offset, Deno.SeekMode.Start);
    const limit = maxLineBytes(maxNodeBytes);
    read: for await (const batch of readTreeLines(file.readable, at.file, limit, at.offset)) {
      for (let i = 0; i < batch.lines.length; i++) {
        parser.line(batch.lines[i], batch.offsets[i]);
        if (found !== undefined) break read;
      }
    }
  } finally {
    try {
      file.close();
    } catch { /* closed with its stream */ }
  }
  parser.finish();
  if (found === undefined) {
    throw new TreeSyntaxError({ ...at, column: 1 }, "expected a top-level node here");
  }
  return found;
}
