/**
 * Loading tree files the way every command does: strict UTF-8, parsed, then checked against
 * what the store accepts and what the tree may name, before anything is written.
 *
 * @module
 */
import { encodeProperties } from "./codec.ts";
import { joinPath, type TreeNode, TreeSyntaxError } from "./model.ts";
import { parseTree } from "./parse.ts";
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
          `node ${path} holds ${size} bytes of data, over the store's limit of ${maxBytes} ` +
            `bytes (--max-node-bytes)`,
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
