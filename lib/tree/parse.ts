/**
 * Parsing tree text (`.zk`/`.zkx` files) into a {@linkcode TreeNode}. See
 * `shared/spec/tree-format.md` for the format; in short:
 *
 * ```text
 * /cms : z4m cms                 # node "cms", property type = 'z4m cms'
 *   threads = 3                  # property
 *   providers -> /cms/providers  # link, stored as property "providers ->"
 *   size => /fooservice threads  # property link, stored as "size =>"
 *   /providers                   # child node
 * ```
 *
 * Property values must fit on one line (a bracketed list may not span lines).
 *
 * @module
 */
import { emptyNode, type TreeNode, TreeSyntaxError, type Value, ZOOKEEPER_NODE } from "./model.ts";
import { nodeNameProblem } from "./safe_values.ts";
import { utf8Length } from "./codec.ts";
import { MAX_DEPTH, type ReadResult, readValue, ValueSyntaxError } from "./value.ts";

/** An open node while parsing: its indentation and the column its children use. */
interface Frame {
  node: TreeNode;
  /** Its path, for messages ("/" for the root). */
  path: string;
  /** 0-based indentation of its line (-1 for the root). */
  indent: number;
  /** 0-based indentation of its content lines, once the first one is seen. */
  childIndent?: number;
  /** Its properties' encoded bytes so far (without the braces and commas). */
  bytes: number;
  /** Its properties so far. */
  count: number;
}

/** Options of {@linkcode TreeParser} and {@linkcode parseTree}. */
export interface ParseOptions {
  /**
   * The node data limit: a node is refused (at its node line) as soon as the properties read so
   * far encode to more bytes than this, not once the file is read. Unchecked when undefined.
   */
  maxNodeBytes?: number;
  /**
   * Told of each top-level subtree once it is complete (the next top-level line or the end
   * reached), with the offset given with its node line; the parser then drops it, so the root it returns holds no children and memory
   * stays bounded by the largest top-level subtree.
   */
  onTopLevel?: (node: TreeNode, offset: number) => void;
  /** The number of the first line fed (default 1): for text read from the middle of a file. */
  firstLine?: number;
  /**
   * Record where each node and property was written (default true). Off for text already
   * validated, to keep less per node; errors then name the line without the node's first line.
   */
  keepSources?: boolean;
}

/**
 * Parses tree text into a root node (name "") whose children are the top-level nodes.
 * Every node records its `source` (file, line, column of its `/`).
 *
 * Throws {@linkcode TreeSyntaxError} naming `file`, line and column on the first error:
 * tabs in indentation, indentation that matches no open level, a duplicate node or property,
 * a property at top level, a line indented under a property, a malformed name or value, a
 * node name ZooKeeper refuses, nodes nested deeper than {@linkcode MAX_DEPTH} levels, and with
 * `maxNodeBytes` a node whose data is over it.
 */
export function parseTree(text: string, file = "<string>", options: ParseOptions = {}): TreeNode {
  const parser = new TreeParser(file, options);
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (const line of lines) parser.line(line);
  return parser.finish();
}

/** The message for a node whose data is over the limit (`--max-node-bytes`). */
export function nodeSizeReason(path: string, size: number, maxBytes: number): string {
  return `node ${path} holds ${size} bytes of data, over the store's limit of ${maxBytes} ` +
    `bytes (--max-node-bytes)`;
}

/**
 * The tree parser fed one line at a time (lines without their ending, in order from line 1), so
 * that a file can be parsed as it is read: see {@linkcode parseTree} for what it refuses.
 */
export class TreeParser {
  readonly #file: string;
  readonly #options: ParseOptions;
  readonly #root = emptyNode();
  readonly #stack: Frame[];
  /** Top-level names already handed to `onTopLevel`, with their line (duplicates). */
  readonly #done = new Map<string, number>();
  /** The offset of the open top-level node's line. */
  #topOffset = 0;
  /** The previous content line: its indentation and whether it was a property. */
  #previous: { indent: number; property: boolean; line: number } | undefined;
  #lineNumber = 0;

  /** A parser for the text of `file` (the name its errors give). */
  constructor(file: string, options: ParseOptions = {}) {
    this.#file = file;
    this.#options = options;
    this.#stack = [{ node: this.#root, path: "/", indent: -1, bytes: 0, count: 0 }];
    this.#lineNumber = (options.firstLine ?? 1) - 1;
  }

  /**
   * Parses the next line; `offset` is where it starts (told back with its top-level node).
   * Throws {@linkcode TreeSyntaxError} on an error in it.
   */
  line(line: string, offset = 0): void {
    const lineNumber = ++this.#lineNumber;
    const file = this.#file;
    const stack = this.#stack;
    const root = this.#root;
    const previous = this.#previous;
    const fail = (column0: number, reason: string): never => {
      throw new TreeSyntaxError({ file, line: lineNumber, column: column0 + 1 }, reason);
    };

    const indent = line.length - line.trimStart().length;
    const content = line.slice(indent);
    if (content === "" || content.startsWith("#")) return;
    const odd = /[^ ]/.exec(line.slice(0, indent));
    if (odd) {
      const what = odd[0] === "\t"
        ? "tab"
        : `character U+${odd[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
      fail(odd.index, `${what} in indentation: indent with spaces`);
    }

    if (previous && indent > previous.indent && previous.property) {
      fail(
        indent,
        `unexpected indentation: nothing may be indented under a property line (line ${previous.line})`,
      );
    }
    const openColumns = stack.flatMap((f) =>
      f.childIndent === undefined ? [] : [f.childIndent + 1]
    );
    while (stack[stack.length - 1].indent >= indent) stack.pop();
    const parent = stack[stack.length - 1];
    if (parent.childIndent === undefined) {
      parent.childIndent = indent;
    } else if (parent.childIndent !== indent) {
      fail(
        indent,
        `bad indentation: column ${indent + 1} matches no enclosing level (expected column ${
          [...new Set(openColumns)].reverse().join(" or ")
        })`,
      );
    }

    if (content.startsWith("/")) {
      const { name, type } = parseNodeLine(content, indent, fail);
      if (parent.node === root) {
        if (name === ZOOKEEPER_NODE) {
          fail(indent + 1, "'/zookeeper' is reserved by ZooKeeper and cannot be defined in a tree");
        }
        this.#flush();
        this.#topOffset = offset;
      }
      if (stack.length > MAX_DEPTH) {
        fail(indent, `nodes nested deeper than ${MAX_DEPTH} levels`);
      }
      const path = parent.path === "/" ? `/${name}` : `${parent.path}/${name}`;
      const existing = parent.node.children.get(name)?.source?.line ??
        (parent.node === root ? this.#done.get(name) : undefined);
      if (existing !== undefined) {
        fail(indent, `duplicate node ${path} (first defined at line ${existing})`);
      }
      const node = emptyNode(name);
      const keep = this.#options.keepSources ?? true;
      if (keep) node.source = { file, line: lineNumber, column: indent + 1 };
      const frame: Frame = { node, path, indent, bytes: 0, count: 0 };
      if (type !== undefined) {
        node.properties.type = type;
        if (keep) node.propertySources = { type: node.source! };
        this.#count(frame, "type", type);
      }
      parent.node.children.set(name, node);
      stack.push(frame);
      this.#previous = { indent, property: false, line: lineNumber };
    } else {
      const [key, value] = parsePropertyLine(content, indent, fail);
      if (parent.node === root) {
        fail(indent, `property '${key}' at top level: properties must be inside a node`);
      }
      if (Object.hasOwn(parent.node.properties, key)) {
        fail(indent, `duplicate property '${key}' on ${parent.path}`);
      }
      parent.node.properties[key] = value;
      if (this.#options.keepSources ?? true) {
        parent.node.propertySources ??= {};
        parent.node.propertySources[key] = { file, line: lineNumber, column: indent + 1 };
      }
      this.#count(parent, key, value);
      this.#previous = { indent, property: true, line: lineNumber };
    }
  }

  /** Ends the text: returns the root (without its children when `onTopLevel` took them). */
  finish(): TreeNode {
    this.#flush();
    return this.#root;
  }

  /** Hands the finished top-level subtree to `onTopLevel`, and drops it. */
  #flush(): void {
    const onTopLevel = this.#options.onTopLevel;
    if (onTopLevel === undefined) return;
    for (const [name, node] of this.#root.children) {
      this.#root.children.delete(name);
      this.#done.set(name, node.source?.line ?? 0);
      onTopLevel(node, this.#topOffset);
    }
  }

  /**
   * Adds a property to its node's data size (as `encodeProperties` will encode it: compact JSON,
   * or the raw string of a lone `string_value`) and refuses the node once that is over the limit.
   */
  #count(frame: Frame, key: string, value: Value): void {
    const max = this.#options.maxNodeBytes;
    if (max === undefined) return;
    frame.count++;
    frame.bytes += utf8Length(JSON.stringify(key)) + 1 + utf8Length(JSON.stringify(value));
    const size = frame.count === 1 && key === "string_value" && typeof value === "string"
      ? utf8Length(value)
      : frame.bytes + 2 + frame.count - 1;
    if (size > max) {
      const at = frame.node.source ?? { file: this.#file, line: this.#lineNumber, column: 1 };
      throw new TreeSyntaxError(at, nodeSizeReason(frame.path, size, max));
    }
  }
}

type Fail = (column0: number, reason: string) => never;

/** Parses `/name` with an optional ` : type text`; `content` starts at column `at`. */
function parseNodeLine(content: string, at: number, fail: Fail): { name: string; type?: string } {
  let name = /^\/(\S*)/.exec(content)![1];
  let pos = 1 + name.length;
  while (/\s/.test(content[pos] ?? "")) pos++;
  if (
    name.endsWith(":") && pos < content.length && content[pos] !== "#" && content[pos] !== ":"
  ) {
    name = name.slice(0, -1); // `/cms: z4m` reads as `/cms : z4m` (but `/a: : t` is node `a:`)
    pos = name.length + 1;
  }
  if (name === "") fail(at, "expected a node name after '/'");
  const slash = name.indexOf("/");
  if (slash >= 0) {
    fail(at + 1 + slash, `node name '${name}' contains '/': write each node on its own line`);
  }
  const problem = nodeNameProblem(name);
  if (problem !== undefined) fail(at + 1, problem);
  if (pos >= content.length || content[pos] === "#") return { name };
  if (content[pos] !== ":") {
    fail(
      at + pos,
      `expected ' : type' or end of line after node name '${name}' (node names cannot contain spaces)`,
    );
  }
  const type = stripComment(content.slice(pos + 1)).trim();
  if (type === "") fail(at + pos, `expected type text after ':' on node '${name}'`);
  return { name, type };
}

/** Parses `name = value`, `name -> target` or `name => /path [prop]` into a property. */
function parsePropertyLine(content: string, at: number, fail: Fail): [string, Value] {
  const name = /^[^\s=]*?(?=\s|=|->|$)/.exec(content)![0];
  if (name === "") {
    fail(at, "expected a node line ('/name') or a property ('name = value', 'name -> path')");
  }
  if (name === "__proto__") fail(at, "'__proto__' cannot be a property name");
  let pos = name.length;
  while (/\s/.test(content[pos] ?? "")) pos++;
  const operator = content.startsWith("->", pos)
    ? "->"
    : content.startsWith("=>", pos)
    ? "=>"
    : content[pos] === "="
    ? "="
    : undefined;
  if (operator === undefined) {
    fail(at + pos, `expected '=', '->' or '=>' after property name '${name}'`);
  }
  pos += operator.length;
  const valueAt = pos;

  if (operator === "=") {
    let result: ReadResult;
    try {
      result = readValue(content, pos);
    } catch (error) {
      if (error instanceof ValueSyntaxError) {
        fail(at + error.offset, `bad value for '${name}': ${error.reason}`);
      }
      throw error;
    }
    const rest = content.slice(result.end).trimStart();
    if (rest !== "" && !rest.startsWith("#")) {
      fail(
        at + content.length - rest.length,
        `expected end of line or '# comment' after the value of '${name}'`,
      );
    }
    return [name, result.value];
  }

  const words = stripComment(content.slice(pos)).trim().split(/\s+/).filter((w) => w !== "");
  if (operator === "->") {
    if (words.length !== 1) {
      fail(at + valueAt, `expected one target path after '${name} ->'`);
    }
    return [`${name} ->`, words[0]];
  }
  if (words.length < 1 || words.length > 2) {
    fail(at + valueAt, `expected '/path [property]' after '${name} =>'`);
  }
  return [`${name} =>`, words.join(" ")];
}

/** Drops a `#` comment (no quoting is possible in types and link targets). */
function stripComment(text: string): string {
  const hash = text.indexOf("#");
  return hash < 0 ? text : text.slice(0, hash);
}
