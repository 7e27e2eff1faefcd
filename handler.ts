/**
 * `handler`: the Consul watch event handler (see lib/handler/cli.ts).
 *
 * @module
 */
import { runCli } from "./lib/cli/run.ts";
import { handlerCommand } from "./lib/handler/cli.ts";

if (import.meta.main) await runCli(handlerCommand(), Deno.args);
