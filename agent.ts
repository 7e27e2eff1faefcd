/**
 * clusterdeploy-agent: keeps this host at the cluster version.
 * See `deno run -A agent.ts --help`.
 *
 * @module
 */
import { agentCommand } from "./lib/agent/cli.ts";
import { runCli } from "./lib/cli/run.ts";

if (import.meta.main) await runCli(agentCommand(), Deno.args);
