/**
 * `tree export|import|validate`: look at and edit the cluster tree by hand.
 *
 * @module
 */
import { Command } from "commander";
import { applyStoreOps, readTrees } from "../store/tree_io.ts";
import { invalidateDeploymentIndexOps } from "../cluster/mod.ts";
import { formatTree } from "../tree/format.ts";
import type { TreeNode } from "../tree/model.ts";
import {
  DEFAULT_MAX_NODE_BYTES,
  loadTreeStream,
  openTreeFile,
  type TopLevelAt,
} from "../tree/load.ts";
import type { Store } from "../store/types.ts";
import { countNodes, type ImportSource, planTreeImport } from "./tree_import.ts";
import {
  addStoreOption,
  MAX_NODE_BYTES_HELP,
  parseMaxNodeBytes,
  timeoutOption,
} from "../cli/options.ts";
import { CliError } from "../cli/run.ts";
import { isMissingFileStore, withStore } from "../cli/open_store.ts";
import { INTERNAL_NODES } from "../cluster/mod.ts";

/** Normalises a node path argument (`/`, `/a/b`), naming the bad one. */
export function normalisePath(path: string): string {
  if (!path.startsWith("/")) throw new CliError(`a tree path must start with '/': ${path}`, 2);
  const parts = path.split("/").filter((p) => p !== "");
  return "/" + parts.join("/");
}

export { rebaseOps } from "./tree_import.ts";

/**
 * Loads a tree file (or standard input for `-`) as a stream: parsed as read, a line or node over
 * the limit refused when reached; with `onTopLevel`, each top-level subtree dropped once checked.
 */
async function loadFile(
  file: string,
  maxNodeBytes: number,
  onTopLevel?: (node: TreeNode, offset: number) => void,
): Promise<TreeNode> {
  let stream: ReadableStream<Uint8Array>;
  try {
    stream = file === "-" ? Deno.stdin.readable : await openTreeFile(file);
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
  return await loadTreeStream(stream, file, { maxNodeBytes, onTopLevel });
}

/** Builds the `tree` command group. */
export function treeCommand(): Command {
  const tree = new Command("tree").description("export, import and validate tree text");

  addStoreOption(
    tree.command("export")
      .description("print the tree (or the subtree at PATH) in the tree text format")
      .argument("[path]", "node to print", "/")
      .option("--ephemeral", "include ephemeral nodes (hosts' own nodes)", false)
      .addOption(timeoutOption()),
  ).action(async (path: string, opts: { store: string; ephemeral: boolean; timeout: number }) => {
    const at = normalisePath(path);
    await withStore(opts.store, async (store) => {
      const [node] = await readTrees(store, [at], { ephemeral: opts.ephemeral });
      if (node === null) throw new CliError(`no node at ${at}`);
      // Printed under its full path as its name, as `print_tree('/hosts')` shows it.
      const named = { ...node, name: at.slice(1) };
      const printed = at === "/"
        ? formatTree(node, { ephemeral: opts.ephemeral, hidden: INTERNAL_NODES })
        // A path asked for by name is printed, whatever it is.
        : formatTree({ name: "", properties: {}, children: new Map([[named.name, named]]) }, {
          ephemeral: opts.ephemeral,
        });
      await Deno.stdout.write(new TextEncoder().encode(printed));
    }, { mustExist: true, readOnly: true, timeoutMs: opts.timeout });
  });

  addStoreOption(
    tree.command("import")
      .description(
        "import tree text under PATH: create missing nodes, set changed properties, and with " +
          "--trim delete nodes the text does not have (below the top-level nodes it names)",
      )
      .argument("<file>", "tree text file, or - for standard input")
      .argument("[path]", "node to import under", "/")
      .option("--trim", "delete nodes the text does not have", false)
      .option("--dry-run", "print what would change; change nothing", false)
      .option(
        "--max-node-bytes <n>",
        MAX_NODE_BYTES_HELP,
        parseMaxNodeBytes,
        DEFAULT_MAX_NODE_BYTES,
      ),
  ).action(
    async (
      file: string,
      path: string,
      opts: { store: string; trim: boolean; dryRun: boolean; maxNodeBytes: number },
    ) => {
      const at = normalisePath(path);
      // A file is validated in one streaming pass keeping where each top-level subtree starts,
      // then planned a few subtrees at a time; standard input cannot be read twice: held whole.
      let source: ImportSource;
      if (file === "-") {
        source = { kind: "tree", tree: await loadFile(file, opts.maxNodeBytes) };
      } else {
        const tops = new Map<string, { at: TopLevelAt; nodes: number }>();
        await loadFile(file, opts.maxNodeBytes, (node, offset) => {
          const where = { file, offset, line: node.source?.line ?? 1 };
          tops.set(node.name, { at: where, nodes: countNodes(node) });
        });
        source = { kind: "file", path: file, tops };
      }
      const how = {
        at,
        trim: opts.trim,
        maxNodeBytes: opts.maxNodeBytes,
        out: console.log,
        keep: !opts.dryRun,
      };
      const plan = (store: Store | null) => planTreeImport(store, source, how);
      if (opts.dryRun && await isMissingFileStore(opts.store)) {
        await plan(null); // a dry run must not create the store file
        return;
      }
      await withStore(opts.store, async (store) => {
        const ops = await plan(await store.get(at) === null ? null : store);
        if (opts.dryRun) return;
        if (at !== "/" && await store.get(at) === null) {
          await store.create(at, "", { parents: true });
        }
        // A tree changed by hand is not the one sync indexed: agents walk it until the next sync.
        const invalidate = ops.length === 0
          ? []
          : await invalidateDeploymentIndexOps(store, `tree import ${file} at ${at}`);
        const applied = await applyStoreOps(store, invalidate.concat(ops));
        const changes = applied.writes - invalidate.length;
        console.error(`applied ${changes} changes in ${applied.transactions} transactions`);
      });
    },
  );

  tree.command("validate")
    .description("check tree files for errors without touching any store")
    .argument("<files...>", "tree text files")
    .option("--max-node-bytes <n>", MAX_NODE_BYTES_HELP, parseMaxNodeBytes, DEFAULT_MAX_NODE_BYTES)
    .addHelpText(
      "after",
      "\nChecks the syntax, node names (ZooKeeper's path rules), node data sizes and what the " +
        "tree may name\n(package names, subtypes, versions, VCS URLs, deploy targets): see README.",
    )
    .action(async (files: string[], opts: { maxNodeBytes: number }) => {
      let bad = 0;
      for (const file of files) {
        try {
          // Each top-level subtree checked and dropped: memory bounded by the largest one.
          await loadFile(file, opts.maxNodeBytes, () => {});
          console.log(`${file}: ok`);
        } catch (error) {
          bad++;
          console.error((error as Error).message);
        }
      }
      if (bad > 0) Deno.exitCode = 1;
    });

  return tree;
}
