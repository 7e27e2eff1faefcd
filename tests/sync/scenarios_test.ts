/**
 * Sync scenarios (testdata/sync/*.scenario), each run on a real git repository against both
 * store kinds: a real ZooKeeper server and the embedded local store.
 *
 * Covers: lib/cluster/mod.ts, lib/store/tree_io.ts, lib/store/types.ts, lib/sync/sync.ts,
 *   lib/tree/diff.ts, lib/tree/format.ts, lib/tree/parse.ts, lib/tree/value.ts.
 */
import { deepEqual, equal } from "node:assert/strict";
import { applyOps, readTree, setProperties } from "../../lib/store/tree_io.ts";
import type { Lock, Store } from "../../lib/store/types.ts";
import { diffTrees } from "../../lib/tree/diff.ts";
import { formatTree } from "../../lib/tree/format.ts";
import { parseTree } from "../../lib/tree/parse.ts";
import { parseValue } from "../../lib/tree/value.ts";
import { CLUSTER_LOCK } from "../../lib/sync/sync.ts";
import { makeRepo } from "../support/harness/git_repo.ts";
import {
  expectedOutput,
  inputText,
  parseScenario,
  scenarioTests,
  substitute,
} from "../support/harness/scenario.ts";
import { runSync } from "../support/harness/sync_run.ts";
import { INTERNAL_NODES } from "../../lib/cluster/mod.ts";

const DIR = new URL("../../testdata/sync/", import.meta.url).pathname;

async function runScenario(file: string, store: Store, openAnother: () => Promise<Store>) {
  const work = await Deno.makeTempDir({ prefix: "clusterdeploy-sync-" });
  const repo = await makeRepo(work);
  const values = new Map<string, string>();
  let heldLock: Lock | null = null;
  try {
    for (const step of parseScenario(await Deno.readTextFile(DIR + file))) {
      const [action, ...args] = step.words;
      const where = `${file}:${step.line}`;
      switch (action) {
        case "write":
          await repo.write(args[0], inputText(step));
          break;
        case "remove":
          await repo.remove(args[0]);
          break;
        case "commit":
          values.set(args[0], await repo.commit(args[0]));
          break;
        case "import": {
          const text = substitute([inputText(step)], values)[0];
          const live = await readTree(store, "/", { ephemeral: true });
          const diff = diffTrees(parseTree(text, where), live, { trim: args.includes("--trim") });
          await applyOps(store, diff.ops);
          break;
        }
        case "set":
          await setProperties(store, args[0], {
            [args[1]]: parseValue(args.slice(2).join(" ")),
          });
          break;
        case "hold-lock":
          heldLock = await (await openAnother()).tryLock(CLUSTER_LOCK);
          equal(heldLock !== null, true, `${where}: could not take the lock`);
          break;
        case "release-lock":
          await heldLock?.release();
          heldLock = null;
          break;
        case "sync": {
          const lines: string[] = [];
          const { result } = await runSync(store, repo.path, work, {
            dryRun: args.includes("--dry-run"),
            force: args.includes("--force"),
            out: (line) => lines.push(line),
          }, (line) => lines.push(line));
          const want = expectedOutput(step, values);
          deepEqual(lines, want.lines, `${where}: transcript was\n${lines.join("\n")}`);
          equal(result.exitCode, want.code, `${where}: exit code`);
          break;
        }
        case "tree": {
          const tree = await readTree(store, "/");
          const printed = formatTree(
            tree,
            args[0] ? { path: args[0] } : { hidden: INTERNAL_NODES },
          );
          deepEqual(
            printed.split("\n").slice(0, -1),
            expectedOutput(step, values).lines,
            `${where}: tree`,
          );
          break;
        }
        default:
          throw new Error(`${where}: unknown action ${action}`);
      }
    }
  } finally {
    await heldLock?.release();
    await Deno.remove(work, { recursive: true });
  }
}

scenarioTests(
  "sync",
  DIR,
  async (file, fixture) => await runScenario(file, await fixture.open(), () => fixture.open()),
);
