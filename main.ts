/**
 * clusterdeploy: the operator's command line. Every tool is a subcommand:
 * `sync`, `agent`, `handler`, `tree export|import|validate`. See `deno run -A main.ts --help`.
 *
 * @module
 */
import { Command } from "commander";
import { runCli } from "./lib/cli/run.ts";
import { treeCommand } from "./lib/cli/tree.ts";
import { resumeCommand, statusCommand } from "./lib/cli/fleet_commands.ts";
import { planCommand } from "./lib/cli/plan.ts";
import { eventCommand } from "./lib/cli/event.ts";
import { monitorCommand } from "./lib/cli/monitor.ts";
import { runDemo } from "./lib/demo/demo.ts";
import { syncCommand } from "./lib/sync/cli.ts";
import { agentCommand } from "./lib/agent/cli.ts";
import { handlerCommand } from "./lib/handler/cli.ts";

/** Builds the whole command tree. */
export function mainCommand(): Command {
  return new Command("clusterdeploy")
    .description(
      "Declarative, watch-driven deployment for a fleet of hosts: sync a git repository of " +
        "trees into ZooKeeper, converge hosts with the agent, run compose apps with the handler.",
    )
    .addCommand(syncCommand())
    .addCommand(agentCommand())
    .addCommand(handlerCommand())
    .addCommand(treeCommand())
    .addCommand(statusCommand())
    .addCommand(resumeCommand())
    .addCommand(planCommand())
    .addCommand(eventCommand())
    .addCommand(monitorCommand())
    .addCommand(
      new Command("demo")
        .description(
          "try everything with no server: sync an example repository into the embedded store, " +
            "plan and run the agent on a simulated host, run the handler in test mode",
        )
        .option("--dir <dir>", "work in this directory instead of a new temporary one")
        .action(async (opts: { dir?: string }) => {
          Deno.exitCode = await runDemo({ dir: opts.dir });
        }),
    );
}

if (import.meta.main) await runCli(mainCommand(), Deno.args);
