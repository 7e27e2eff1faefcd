/**
 * The in-memory model of a cluster tree: nodes with properties and children.
 *
 * Links are properties too, stored under their marked names: `name ->` (a symbolic link whose
 * value is the target path) and `name =>` (a property link whose value is `/path [propname]`).
 *
 * @module
 */

/** ZooKeeper's own top-level node: never part of a tree, never printed, never written. */
export const ZOOKEEPER_NODE = "zookeeper";

/** A property value: the literals the text format allows. */
export type Value = string | number | boolean | null | Value[] | { [key: string]: Value };

/** Properties of one node. `type` holds the node's type text. */
export type Properties = Record<string, Value>;

/** Where a node or property was written. */
export interface SourceLocation {
  /** File name as given to the parser. */
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
}

/** One node of a tree. The root has the name "". */
export interface TreeNode {
  /** The node's name (one path segment). */
  name: string;
  /** Its properties, links included. */
  properties: Properties;
  /** Its children by name (insertion order is not meaningful; printing sorts). */
  children: Map<string, TreeNode>;
  /** True for an ephemeral node read from a store. */
  ephemeral?: boolean;
  /** Where it was defined, for nodes parsed from text. */
  source?: SourceLocation;
  /** Where each property was written, for nodes parsed from text (`type`: its node line). */
  propertySources?: Record<string, SourceLocation>;
}

/** Makes an empty node. */
export function emptyNode(name = "", properties: Properties = {}): TreeNode {
  return { name, properties, children: new Map() };
}

/** Joins a parent path and a child name (`/` + `a` → `/a`, `/a` + `b` → `/a/b`). */
export function joinPath(parent: string, name: string): string {
  return parent === "/" ? `/${name}` : `${parent}/${name}`;
}

/** The node at `path` below `root` ("/" is the root itself), or undefined. */
export function nodeAt(root: TreeNode, path: string): TreeNode | undefined {
  let node: TreeNode | undefined = root;
  for (const part of path.split("/").filter((p) => p !== "")) {
    node = node.children.get(part);
    if (node === undefined) return undefined;
  }
  return node;
}

/** A syntax or validation error in tree text, naming file, line and column. */
export class TreeSyntaxError extends Error {
  /** Where it is. */
  readonly location: SourceLocation;
  /** The message without the location. */
  readonly reason: string;
  /** Makes the error; its message is `file:line:col: reason`. */
  constructor(location: SourceLocation, reason: string) {
    super(`${location.file}:${location.line}:${location.column}: ${reason}`);
    this.name = "TreeSyntaxError";
    this.location = location;
    this.reason = reason;
  }
}

/** One change to a live tree, as planned by the diff and applied by a store. */
export type TreeOp =
  | { op: "create"; path: string; properties: Properties }
  | { op: "set"; path: string; properties: Properties; before: Properties }
  | { op: "delete"; path: string };
