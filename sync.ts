/**
 * clusterdeploy-sync: git repository of tree files → cluster store.
 * See `deno run -A sync.ts --help`.
 *
 * @module
 */
import { runCli } from "./lib/cli/run.ts";
import { syncCommand } from "./lib/sync/cli.ts";

if (import.meta.main) await runCli(syncCommand(), Deno.args);
