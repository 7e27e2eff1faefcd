/**
 * clusterdeploy: the operator's command line. Every tool is a subcommand:
 * `sync`, `agent`, `handler`, `tree export|import|validate`. See `deno run -A main.ts --help`.
 *
 * Each subcommand's modules are loaded only when it runs (or its own help is asked for):
 * `--help` and `sync` do not load the handler's npm dependencies, and so on.
 *
 * @module
 */
import { Command, Help } from "commander";
import { runCli } from "./lib/cli/run.ts";

/** A subcommand: its name and description (for `--help`) and how to load the real command. */
export interface Subcommand {
  /** The name. */
  name: string;
  /** The description, as the real command has it. */
  description: string;
  /** How `--help` lists it, as for the real command (`sync [options] <repo-url>`). */
  term: string;
  /** Loads the subcommand's modules and builds it. */
  load(): Promise<Command>;
}

/** Every subcommand, in help order. */
export const SUBCOMMANDS: readonly Subcommand[] = [
  {
    name: "sync",
    term: "sync [options] <repo-url>",
    description:
      "Import a git repository of tree files (*.zk, then *.zkx) into the cluster store and bump " +
      "the cluster version (/hosts version) to the commit.",
    load: async () => (await import("./lib/sync/cli.ts")).syncCommand(),
  },
  {
    name: "agent",
    term: "agent [options]",
    description: "Keep this host at the cluster version: watch /hosts and, when the version " +
      "changes, install packages and run deploy scripts for this host's deployments.",
    load: async () => (await import("./lib/agent/cli.ts")).agentCommand(),
  },
  {
    name: "handler",
    term: "handler [options] [args...]",
    description: "Consul watch handler: deploy, destroy, migrate docker-compose applications",
    load: async () => (await import("./lib/handler/cli.ts")).handlerCommand(),
  },
  {
    name: "tree",
    term: "tree",
    description: "export, import and validate tree text",
    load: async () => (await import("./lib/operator/tree.ts")).treeCommand(),
  },
  {
    name: "status",
    term: "status [options]",
    description: "the fleet at a glance: cluster version, and each host's name, role, version, " +
      "convergence and error; who holds each role lock and who waits",
    load: async () => (await import("./lib/operator/fleet_commands.ts")).statusCommand(),
  },
  {
    name: "resume",
    term: "resume [options] <version>",
    description:
      "leave ALL STOP after fixing its cause: set the cluster version to VERSION (a number, a " +
      "commit id, or False to let the next sync run). Refused unless the cluster is stopped " +
      "or paused.",
    load: async () => (await import("./lib/operator/fleet_commands.ts")).resumeCommand(),
  },
  {
    name: "history",
    term: "history [options]",
    description:
      "the rollout history, newest first: version, when, by whom, hosts done/failed/total, " +
      "duration, state (converged, stopped, superseded, rolled back, in progress), subject",
    load: async () => (await import("./lib/operator/history.ts")).historyCommand(),
  },
  {
    name: "rollback",
    term: "rollback [options] <version-or-repo-url> [repo-url]",
    description:
      "go back to the last good version: sync VERSION's tree (default: the newest converged " +
      "rollout before the current one), even from ALL STOP, and pin the cluster there",
    load: async () => (await import("./lib/operator/rollback.ts")).rollbackCommand(),
  },
  {
    name: "unpin",
    term: "unpin [options]",
    description: "lift the pin a rollback set, once the fix is in git: the next sync goes ahead",
    load: async () => (await import("./lib/operator/pin.ts")).unpinCommand(),
  },
  {
    name: "plan",
    term: "plan [options] [repo-url]",
    description:
      "show what a sync of REPO_URL would change in the tree, and what the agent would do on " +
      "each --host; change nothing",
    load: async () => (await import("./lib/operator/plan.ts")).planCommand(),
  },
  {
    name: "event",
    term: "event [options] <name> <json>",
    description:
      "validate a deploy, destroy or migrate payload as the handlers do, then fire it as a " +
      "Consul user event (PUT /v1/event/fire/<name>); prints the event ID",
    load: async () => (await import("./lib/operator/event.ts")).eventCommand(),
  },
  {
    name: "monitor",
    term: "monitor [options]",
    description: "Nagios-style check of this host's agent: its status file, its /hosts/<id> node " +
      "and the cluster version (exit 0 OK, 1 WARNING, 2 CRITICAL; one line with perfdata); " +
      "with --cluster, whether every host has converged to the cluster version",
    load: async () => (await import("./lib/operator/monitor.ts")).monitorCommand(),
  },
  {
    name: "serve",
    term: "serve [options]",
    description:
      "a live, read-only rollout view in the browser (overview, hosts, role locks; apps with " +
      "--consul), a JSON API (/api/status, /api/events) and --notify for rollout events",
    load: async () => (await import("./lib/operator/serve/mod.ts")).serveCommand(),
  },
  {
    name: "demo",
    term: "demo [options]",
    description:
      "try everything with no server: sync an example repository into the embedded store, " +
      "plan and run the agent on a simulated host, run the handler in test mode",
    load: async () => {
      const { runDemo } = await import("./lib/demo/demo.ts");
      return new Command("demo")
        .description(SUBCOMMANDS.find((s) => s.name === "demo")!.description)
        .option("--dir <dir>", "work in this directory instead of a new temporary one")
        .action(async (opts: { dir?: string }) => {
          Deno.exitCode = await runDemo({ dir: opts.dir });
        });
    },
  },
];

function program(): Command {
  return new Command("clusterdeploy")
    .description(
      "Declarative, watch-driven deployment for a fleet of hosts: sync a git repository of " +
        "trees into ZooKeeper, converge hosts with the agent, run compose apps with the handler.",
    );
}

/**
 * The command tree for `args`: the subcommand they name (or `help` names) loaded for real, the
 * others as placeholders that only list themselves in `--help`.
 */
export async function mainCommand(args: readonly string[] = []): Promise<Command> {
  const named = args[0] === "help" ? args[1] : args[0];
  const root = program().configureHelp({
    subcommandTerm: (cmd) =>
      SUBCOMMANDS.find((s) => s.name === cmd.name())?.term ?? new Help().subcommandTerm(cmd),
  });
  for (const sub of SUBCOMMANDS) {
    root.addCommand(
      sub.name === named
        ? await sub.load()
        : new Command(sub.name).description(sub.description).allowUnknownOption()
          .helpOption(false),
    );
  }
  return root;
}

if (import.meta.main) await runCli(await mainCommand(Deno.args), Deno.args);
