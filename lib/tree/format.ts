/**
 * Printing trees as text, in the form `print_tree` shows and {@linkcode parseTree} reads back.
 *
 * @module
 */
import { nodeAt, type TreeNode, type Value, ZOOKEEPER_NODE } from "./model.ts";
import { formatValue } from "./value.ts";

/** Options for {@linkcode formatTree}. */
export interface FormatTreeOptions {
  /** Print the node at this path (named by its full path) instead of the whole tree. */
  path?: string;
  /** Include ephemeral nodes (default: omit them). */
  ephemeral?: boolean;
  /** Top-level names not printed (besides ZooKeeper's own node, which never is). */
  hidden?: ReadonlySet<string>;
}

/** True when a property key names a link (`name ->`) or a property link (`name =>`). */
export function isLinkKey(key: string): boolean {
  return key.endsWith(" ->") || key.endsWith(" =>");
}

/**
 * Formats one property as its tree-text line (without indentation): `name = value`, or for a
 * link key `name ->` / `name =>` with a string value, `name -> target` / `name => target`.
 */
export function formatProperty(key: string, value: Value): string {
  if (isLinkKey(key) && typeof value === "string") return `${key} ${value}`;
  return `${key} = ${formatValue(value)}`;
}

/**
 * Formats a tree as text. Without `path` (or with "/") each top-level node is printed, except
 * ZooKeeper's own `/zookeeper` and those in `options.hidden`;
 * with `path` that node is printed with its full path as its name.
 *
 * Each node prints as `/name`, plus ` : <type>` when its `type` property is type text
 * ({@linkcode isTypeText}), then its
 * other properties sorted by name, then its links sorted, then its child nodes sorted by name,
 * each level indented two more spaces. Ephemeral nodes are omitted unless
 * `options.ephemeral`. The result ends with a newline, or is "" when nothing is printed.
 *
 * Throws an Error when `path` names no node.
 */
export function formatTree(root: TreeNode, options: FormatTreeOptions = {}): string {
  const lines: string[] = [];
  const ephemeral = options.ephemeral ?? false;
  const path = options.path;
  if (path === undefined || path.split("/").every((part) => part === "")) {
    for (const child of sortedChildren(root, ephemeral)) {
      if (child.name === ZOOKEEPER_NODE || options.hidden?.has(child.name)) continue;
      formatNode(child, child.name, "", ephemeral, lines);
    }
  } else {
    const node = nodeAt(root, path);
    if (node === undefined) throw new Error(`cannot format tree: no node at ${path}`);
    const fullPath = "/" + path.split("/").filter((part) => part !== "").join("/");
    formatNode(node, fullPath.slice(1), "", ephemeral, lines);
  }
  return lines.length === 0 ? "" : lines.join("\n") + "\n";
}

/**
 * Whether a `type` value can be written as node-line type text and read back unchanged: a
 * non-empty string without surrounding spaces, `#` or control characters. Any other `type`
 * prints as a property line (`type = …`).
 */
export function isTypeText(type: unknown): type is string {
  // deno-lint-ignore no-control-regex
  const control = /[\x00-\x1f\x7f]/;
  return typeof type === "string" && type !== "" && type === type.trim() && !type.includes("#") &&
    !control.test(type);
}

function formatNode(
  node: TreeNode,
  name: string,
  indent: string,
  ephemeral: boolean,
  lines: string[],
): void {
  const type = node.properties.type;
  const typeText = isTypeText(type);
  lines.push(`${indent}/${name}${typeText ? ` : ${type}` : ""}`);
  const inner = indent + "  ";
  const keys = Object.keys(node.properties).filter((key) => !(key === "type" && typeText))
    .sort(compareNames);
  const isLink = (key: string) => isLinkKey(key) && typeof node.properties[key] === "string";
  for (const key of [...keys.filter((k) => !isLink(k)), ...keys.filter(isLink)]) {
    lines.push(inner + formatProperty(key, node.properties[key]));
  }
  for (const child of sortedChildren(node, ephemeral)) {
    formatNode(child, child.name, inner, ephemeral, lines);
  }
}

function sortedChildren(node: TreeNode, ephemeral: boolean): TreeNode[] {
  return [...node.children.values()]
    .filter((child) => ephemeral || !child.ephemeral)
    .sort((a, b) => compareNames(a.name, b.name));
}

/** Orders strings by UTF-16 code units (byte order for ASCII names). */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
