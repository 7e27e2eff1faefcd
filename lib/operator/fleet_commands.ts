/**
 * `status` and `resume`: the operator's view of the fleet and the way out of ALL STOP.
 *
 * @module
 */
import { Command } from "commander";
import { showVersion } from "../cluster/mod.ts";
import { formatFleetStatus, isAlarming, readFleetStatus } from "./fleet_status.ts";
import { resumeCluster, versionArgument } from "./resume.ts";
import { formatRoleLocks, readRoleLocks } from "./role_locks_status.ts";
import { statusDocument } from "./status_document.ts";
import { formatHistoryStatus, readHistoryStatus } from "./history_status.ts";
import { addStoreOption, timeoutOption } from "../cli/options.ts";
import { withStore } from "../cli/open_store.ts";

/** Builds `status`. */
export function statusCommand(): Command {
  return addStoreOption(
    new Command("status")
      .description(
        "the fleet at a glance: cluster version, and each host's name, role, version, " +
          "convergence and error; who holds each role lock and who waits",
      )
      .option("--json", "print JSON for scripts", false)
      .addOption(timeoutOption())
      .addHelpText(
        "after",
        "\nExit status: 0 healthy, 1 when the cluster is stopped (None) or a host reports an " +
          "error — usable from monitoring.",
      ),
  ).action(async (opts: { store: string; json: boolean; timeout: number }) => {
    const [status, roleLocks, rollout] = await withStore(
      opts.store,
      async (store) => {
        const [status, roleLocks] = await Promise.all([
          readFleetStatus(store),
          readRoleLocks(store),
        ]);
        return [status, roleLocks, await readHistoryStatus(store, status)] as const;
      },
      { mustExist: true, readOnly: true, timeoutMs: opts.timeout },
    );
    if (opts.json) {
      console.log(JSON.stringify(statusDocument(status, roleLocks, rollout), null, 2));
    } else {
      for (const line of formatFleetStatus(status)) console.log(line);
      for (const line of formatRoleLocks(roleLocks)) console.log(line);
      for (const line of formatHistoryStatus(rollout)) console.log(line);
    }
    if (isAlarming(status)) Deno.exitCode = 1;
  });
}

/** Builds `resume`. */
export function resumeCommand(): Command {
  return addStoreOption(
    new Command("resume")
      .description(
        "leave ALL STOP after fixing its cause: set the cluster version to VERSION (a number, a " +
          "commit id, or False to let the next sync run). Refused unless the cluster is stopped " +
          "or paused.",
      )
      .argument("<version>", "the version hosts should converge to")
      .option("--force", "set it even when the cluster is running", false),
  ).action(async (text: string, opts: { store: string; force: boolean }) => {
    const version = versionArgument(text);
    const before = await withStore(
      opts.store,
      (store) => resumeCluster(store, version, opts.force),
      { mustExist: true },
    );
    console.log(`cluster version ${showVersion(before)} -> ${showVersion(version)}`);
  });
}
