/**
 * The tree files of a checkout: every `*.zk` file (sorted by name), then every `*.zkx` file
 * (sorted), all parsed and validated before anything is written, and combined into the one
 * desired tree that sync imports.
 *
 * @module
 */
import { checkTree, type LoadOptions, openTreeFile, parseTreeStream } from "../tree/load.ts";
import { layerTree } from "../tree/layer.ts";
import { emptyNode, type TreeNode, TreeSyntaxError } from "../tree/model.ts";
import { RESERVED_TOP_LEVEL } from "../cluster/mod.ts";

/** The tree files found in a directory, in import order. */
export interface TreeFileList {
  /** `*.zk` names, sorted. */
  base: string[];
  /** `*.zkx` names, sorted. */
  layers: string[];
}

/** Lists `*.zk` then `*.zkx` files directly in `dir`; other files are ignored. */
export async function listTreeFiles(dir: string): Promise<TreeFileList> {
  const base: string[] = [];
  const layers: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile) continue;
    if (entry.name.endsWith(".zk")) base.push(entry.name);
    else if (entry.name.endsWith(".zkx")) layers.push(entry.name);
  }
  base.sort();
  layers.sort();
  return { base, layers };
}

/**
 * Parses every file and builds the desired tree: `.zk` files side by side (a top-level node
 * may be named by one `.zk` file only), then `.zkx` files layered over them, and checks the
 * result (node data sizes, what the tree may name: `checkTree`). Throws a
 * {@linkcode TreeSyntaxError} naming file, line and column for the first problem found.
 */
export async function readDesiredTree(
  dir: string,
  files: TreeFileList,
  options: LoadOptions = {},
): Promise<TreeNode> {
  const read = async (name: string) =>
    await parseTreeStream(await openTreeFile(`${dir}/${name}`), name, options);
  const root = emptyNode();
  for (const name of files.base) {
    const tree = await read(name);
    for (const [child, node] of tree.children) {
      checkReserved(child, node);
      const earlier = root.children.get(child);
      if (earlier !== undefined) {
        const where = earlier.source === undefined
          ? "another file"
          : `${earlier.source.file}:${earlier.source.line}`;
        throw new TreeSyntaxError(
          node.source ?? { file: name, line: 1, column: 1 },
          `top-level node /${child} is already defined in ${where}; a top-level node belongs to ` +
            `one .zk file (use a .zkx file to layer over it)`,
        );
      }
      root.children.set(child, node);
    }
  }
  let desired = root;
  for (const name of files.layers) {
    const layer = await read(name);
    for (const [child, node] of layer.children) checkReserved(child, node);
    desired = layerTree(desired, layer);
  }
  checkTree(desired, options);
  return desired;
}

function checkReserved(name: string, node: TreeNode): void {
  if (RESERVED_TOP_LEVEL.has(name)) {
    throw new TreeSyntaxError(
      node.source ?? { file: "<tree>", line: 1, column: 1 },
      `/${name} is managed by clusterdeploy itself and cannot be defined in a tree file`,
    );
  }
}
