/**
 * Running sync in process, as the tests do: one sync of a repository with its checkout under a
 * work directory, its result and log lines.
 *
 * @module
 */
import { equal } from "node:assert/strict";
import { createLogger } from "../../../lib/log.ts";
import { RealRunner } from "../../../lib/proc/real.ts";
import { readTree } from "../../../lib/store/tree_io.ts";
import type { Store } from "../../../lib/store/types.ts";
import { type SyncOptions, syncRepository, type SyncResult } from "../../../lib/sync/sync.ts";
import { formatTree } from "../../../lib/tree/format.ts";
import type { TestRepo } from "./git_repo.ts";
import type { StoreFixture } from "./stores.ts";

/** What one sync did. */
export interface SyncRun {
  /** Its result. */
  result: SyncResult;
  /** The lines it logged, in order. */
  lines: string[];
}

/**
 * One sync of `repoUrl` with the checkout at `<work>/trees` (real git); `extra` adds or
 * overrides options, `onLine` sees every log line as it is written.
 */
export async function runSync(
  store: Store,
  repoUrl: string,
  work: string,
  extra: Partial<SyncOptions> = {},
  onLine: (line: string) => void = () => {},
): Promise<SyncRun> {
  const lines: string[] = [];
  const log = createLogger({
    sink: (line) => {
      lines.push(line);
      onLine(line);
    },
  });
  const result = await syncRepository({
    store,
    runner: new RealRunner(),
    log,
    repoUrl,
    treeDir: `${work}/trees`,
    ...extra,
  });
  return { result, lines };
}

/** Commits what `repo` holds as `message` and syncs it (asserted synced); the commit id. */
export async function syncCommit(
  store: Store,
  repo: TestRepo,
  work: string,
  message: string,
): Promise<string> {
  const commit = await repo.commit(message);
  const { result, lines } = await runSync(store, repo.path, work);
  equal(result.status, "synced", lines.join("\n"));
  return commit;
}

/** Everything in the store, ephemeral nodes included, as text (to check that nothing changed). */
export async function snapshot(store: Store): Promise<string> {
  return formatTree(await readTree(store, "/", { ephemeral: true }), { ephemeral: true });
}

/**
 * Runs `fn` with a store made by `make` and a work directory for repositories and checkouts;
 * closes the store and removes the directory after.
 */
export async function withSyncWork(
  make: () => Promise<StoreFixture>,
  fn: (fixture: StoreFixture, work: string) => Promise<void>,
): Promise<void> {
  const fixture = await make();
  const work = await Deno.makeTempDir({ prefix: "clusterdeploy-sync-" });
  try {
    await fn(fixture, work);
  } finally {
    await fixture.close();
    await Deno.remove(work, { recursive: true });
  }
}
