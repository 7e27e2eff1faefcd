/**
 * `unpin`: lifts the pin a rollback set (`/rollouts`' data), so the next sync goes ahead.
 *
 * @module
 */
import { Command } from "commander";
import { decodePin, encodePin, ROLLOUTS_PATH } from "../cluster/mod.ts";
import { addStoreOption, timeoutOption } from "../cli/options.ts";
import { withStore } from "../cli/open_store.ts";
import { CliError } from "../cli/run.ts";
import { isStoreError, type Store } from "../store/types.ts";

/** Lifts the pin; the message to print. Compare-and-set on `/rollouts`. */
export async function unpinCluster(store: Store): Promise<string> {
  const node = await store.get(ROLLOUTS_PATH, { dataOnly: true });
  if (node === null || node.data === "") return "the cluster is not pinned";
  const pin = decodePin(node.data);
  try {
    await store.set(ROLLOUTS_PATH, encodePin(null), node.version);
  } catch (error) {
    if (isStoreError(error, "BAD_VERSION")) {
      throw new CliError(`${ROLLOUTS_PATH} changed while unpinning; look again and retry`);
    }
    throw error;
  }
  if (!pin.ok) return `removed damaged pin data (${pin.problem})`;
  const p = pin.value!;
  return `unpinned (was pinned to ${p.version} by ${p.by} at ${p.at}); the next sync goes ahead`;
}

/** Builds `unpin`. */
export function unpinCommand(): Command {
  return addStoreOption(
    new Command("unpin")
      .description("lift the pin a rollback set, once the fix is in git: the next sync goes ahead")
      .addOption(timeoutOption())
      .addHelpText("after", "\nExit status: 0 unpinned or not pinned, 1 failed, 2 usage error."),
  ).action(async (opts: { store: string; timeout: number }) => {
    console.log(
      await withStore(opts.store, unpinCluster, { mustExist: true, timeoutMs: opts.timeout }),
    );
  });
}
