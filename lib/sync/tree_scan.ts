/**
 * The first pass of a sync over its tree files, in bounded memory: every file is read as a
 * stream and validated, each top-level subtree checked and dropped once parsed, keeping only
 * where each top-level node is written (its `.zk` file and offset, the `.zkx` layers that touch
 * it) and how many nodes it has. Nothing is written before this pass has read every file; the
 * import then reads each top-level node again, alone, from where this pass found it
 * ({@linkcode readDesiredTopLevel}).
 *
 * @module
 */
import {
  checkTree,
  type LoadOptions,
  openTreeFile,
  parseTreeStream,
  readTopLevelAt,
  type TopLevelAt,
} from "../tree/load.ts";
import { layerTree } from "../tree/layer.ts";
import { emptyNode, type TreeNode, TreeSyntaxError } from "../tree/model.ts";
import { checkTreeValues } from "../tree/safe_values.ts";
import { RESERVED_TOP_LEVEL } from "../cluster/mod.ts";
import type { TreeFileList } from "./tree_files.ts";

/** Where one top-level node of the desired tree is written. */
export interface TopLevelSource {
  /** Its definition in a `.zk` file, if any. */
  base?: TopLevelAt;
  /** Its parts in `.zkx` files, in layering order. */
  layers: TopLevelAt[];
  /** Its nodes, all parts together (a layer's may overlap the base's). */
  nodes: number;
}

/** What the first pass keeps: every top-level node the files name, in the files' order. */
export interface TreeScan {
  /** The checkout the files are in. */
  dir: string;
  /** Top-level name → where it is written. */
  tops: Map<string, TopLevelSource>;
}

/**
 * Reads and validates every file of `files` (the checks `readDesiredTree` makes: syntax,
 * reserved names, a top-level node in one `.zk` file only, node sizes and values, after
 * layering for nodes a `.zkx` touches), keeping only a {@linkcode TreeScan}. Throws a
 * {@linkcode TreeSyntaxError} at file:line:col for the first problem.
 */
export async function scanTreeFiles(
  dir: string,
  files: TreeFileList,
  options: LoadOptions = {},
): Promise<TreeScan> {
  const tops = new Map<string, TopLevelSource>();
  // The values of a node a layer may change are checked after layering, so the first value
  // problem of each `.zk` subtree waits until every file is read.
  const valueProblems = new Map<string, TreeSyntaxError>();
  for (const file of files.base) {
    await parseTreeStream(await openTreeFile(`${dir}/${file}`), file, {
      ...options,
      onTopLevel(node, offset) {
        checkReserved(node);
        const earlier = tops.get(node.name)?.base;
        if (earlier !== undefined) {
          throw new TreeSyntaxError(
            node.source ?? { file, line: 1, column: 1 },
            `top-level node /${node.name} is already defined in ${earlier.file}:${earlier.line}; ` +
              `a top-level node belongs to one .zk file (use a .zkx file to layer over it)`,
          );
        }
        const base = { file, offset, line: node.source?.line ?? 1 };
        tops.set(node.name, { base, layers: [], nodes: countNodes(node) });
        try {
          checkTreeValues(rootOf(node));
        } catch (error) {
          if (!(error instanceof TreeSyntaxError)) throw error;
          valueProblems.set(node.name, error);
        }
      },
    });
  }
  for (const file of files.layers) {
    await parseTreeStream(await openTreeFile(`${dir}/${file}`), file, {
      ...options,
      onTopLevel(node, offset) {
        checkReserved(node);
        let source = tops.get(node.name);
        if (source === undefined) tops.set(node.name, source = { layers: [], nodes: 0 });
        source.layers.push({ file, offset, line: node.source?.line ?? 1 });
        source.nodes += countNodes(node);
      },
    });
  }
  for (const [name, problem] of valueProblems) {
    if (tops.get(name)!.layers.length === 0) throw problem;
  }
  const scan = { dir, tops };
  for (const [name, source] of tops) {
    if (source.layers.length === 0) continue;
    checkTree(rootOf(await readDesiredTopLevel(scan, name, options)), options);
  }
  return scan;
}

/**
 * The desired subtree of one top-level node: its `.zk` definition with every `.zkx` part laid
 * over it, read from where the scan found them (the rest of each file unread).
 */
export async function readDesiredTopLevel(
  scan: TreeScan,
  name: string,
  options: LoadOptions & { keepSources?: boolean } = {},
): Promise<TreeNode> {
  const source = scan.tops.get(name);
  if (source === undefined) throw new Error(`no tree file names /${name}`);
  const read = (at: TopLevelAt) => readTopLevelAt(`${scan.dir}/${at.file}`, at, options);
  let root = emptyNode();
  if (source.base !== undefined) root.children.set(name, await read(source.base));
  for (const at of source.layers) root = layerTree(root, rootOf(await read(at)));
  return root.children.get(name) ?? emptyNode(name);
}

function rootOf(node: TreeNode): TreeNode {
  const root = emptyNode();
  root.children.set(node.name, node);
  return root;
}

function countNodes(node: TreeNode): number {
  let count = 1;
  for (const child of node.children.values()) count += countNodes(child);
  return count;
}

function checkReserved(node: TreeNode): void {
  if (RESERVED_TOP_LEVEL.has(node.name)) {
    throw new TreeSyntaxError(
      node.source ?? { file: "<tree>", line: 1, column: 1 },
      `/${node.name} is managed by clusterdeploy itself and cannot be defined in a tree file`,
    );
  }
}
