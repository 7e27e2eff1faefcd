/**
 * This host's outcome for the rollout it deployed: one create of `/rollouts/<record>/<host id>`
 * per bump, the record named by the data version of `/hosts` the bump was seen at (so no read is
 * needed to find it). No record (a version set by `resume`, or trimmed away) means nothing to
 * write. A create that fails for the connection is owed, and made again after a reconnect; a
 * node already there is this host's outcome from an earlier attempt that got through, and is
 * kept (never a duplicate, never a second write).
 *
 * @module
 */
import type { Logger } from "../log.ts";
import { isStoreError, type Store } from "../store/types.ts";
import {
  encodeOutcome,
  type HostIdentity,
  type HostOutcome,
  recordName,
  recordPath,
} from "../cluster/mod.ts";
import { message } from "../error_message.ts";

/** Writes this host's outcomes. */
export class OutcomeReport {
  readonly #store: Store;
  readonly #logger: Logger;
  readonly #host: HostIdentity;
  readonly #owed = new Map<string, string>();

  /** Reports for `host`. */
  constructor(store: Store, logger: Logger, host: HostIdentity) {
    this.#store = store;
    this.#logger = logger;
    this.#host = host;
  }

  /** Records `outcome` for the bump seen at data version `stat` of `/hosts`. */
  async record(stat: number, outcome: Omit<HostOutcome, "name" | "finished">): Promise<void> {
    if (stat < 0) return;
    const path = `${recordPath(recordName(stat))}/${this.#host.id}`;
    const data = encodeOutcome({
      name: this.#host.name,
      ...outcome,
      finished: new Date().toISOString(),
    });
    this.#owed.set(path, data);
    await this.#write(path, data);
  }

  /** After a reconnect: makes the creates that failed. */
  retryOwed(): void {
    for (const [path, data] of this.#owed) void this.#write(path, data);
  }

  async #write(path: string, data: string) {
    try {
      await this.#store.create(path, data);
    } catch (error) {
      if (isStoreError(error, "CONNECTION")) {
        this.#logger.warning(`Could not record the rollout outcome ${path}: ${message(error)}`);
        return; // owed
      }
      if (!isStoreError(error, "NODE_EXISTS") && !isStoreError(error, "NO_NODE")) {
        this.#logger.warning(`Could not record the rollout outcome ${path}: ${message(error)}`);
      }
    }
    this.#owed.delete(path);
  }
}
