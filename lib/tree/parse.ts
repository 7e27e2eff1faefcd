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
}

/**
 * Parses tree text into a root node (name "") whose children are the top-level nodes.
 * Every node records its `source` (file, line, column of its `/`).
 *
 * Throws {@linkcode TreeSyntaxError} naming `file`, line and column on the first error:
 * tabs in indentation, indentation that matches no open level, a duplicate node or property,
 * a property at top level, a line indented under a property, a malformed name or value, a
 * node name ZooKeeper refuses, nodes nested deeper than {@linkcode MAX_DEPTH} levels.
 */
export function parseTree(text: string, file = "<string>"): TreeNode {
  const root = emptyNode();
  const stack: Frame[] = [{ node: root, path: "/", indent: -1 }];
  /** The previous content line: its indentation and whether it was a property. */
  let previous: { indent: number; property: boolean; line: number } | undefined;

  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    const lineNumber = index + 1;
    const fail = (column0: number, reason: string): never => {
      throw new TreeSyntaxError({ file, line: lineNumber, column: column0 + 1 }, reason);
    };

    const indent = line.length - line.trimStart().length;
    const content = line.slice(indent);
    if (content === "" || content.startsWith("#")) continue;
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
      if (parent.node === root && name === ZOOKEEPER_NODE) {
        fail(indent + 1, "'/zookeeper' is reserved by ZooKeeper and cannot be defined in a tree");
      }
      if (stack.length > MAX_DEPTH) {
        fail(indent, `nodes nested deeper than ${MAX_DEPTH} levels`);
      }
      const path = parent.path === "/" ? `/${name}` : `${parent.path}/${name}`;
      const existing = parent.node.children.get(name);
      if (existing) {
        fail(indent, `duplicate node ${path} (first defined at line ${existing.source?.line})`);
      }
      const node = emptyNode(name);
      node.source = { file, line: lineNumber, column: indent + 1 };
      if (type !== undefined) {
        node.properties.type = type;
        node.propertySources = { type: node.source };
      }
      parent.node.children.set(name, node);
      stack.push({ node, path, indent });
      previous = { indent, property: false, line: lineNumber };
    } else {
      const [key, value] = parsePropertyLine(content, indent, fail);
      if (parent.node === root) {
        fail(indent, `property '${key}' at top level: properties must be inside a node`);
      }
      if (Object.hasOwn(parent.node.properties, key)) {
        fail(indent, `duplicate property '${key}' on ${parent.path}`);
      }
      parent.node.properties[key] = value;
      parent.node.propertySources ??= {};
      parent.node.propertySources[key] = { file, line: lineNumber, column: indent + 1 };
      previous = { indent, property: true, line: lineNumber };
    }
  }
  return root;
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
