/**
 * What `sync` does once its command line is parsed (loaded by lib/sync/cli.ts only when a sync
 * runs, so `--help` does not load the store, git and the importer).
 *
 * @module
 */
import { createLogger, parseLogFormat } from "../log.ts";
import { RealRunner } from "../proc/real.ts";
import { openStoreForCli } from "../cli/open_store.ts";
import { GitRunner } from "../git_runner.ts";
import type { SyncFlags } from "./flags.ts";
import { defaultTreeDir } from "./git.ts";
import { syncRepository } from "./sync.ts";

/** Runs one sync of `repoUrl` with the parsed options; sets `Deno.exitCode`. */
export async function runSync(repoUrl: string, opts: SyncFlags): Promise<void> {
  const log = createLogger({ format: parseLogFormat(opts.logFormat), debug: opts.verbose });
  const store = await openStoreForCli(opts.store);
  try {
    const result = await syncRepository({
      store,
      runner: new GitRunner(new RealRunner(), { timeoutS: opts.gitTimeout }),
      log,
      repoUrl,
      branch: opts.branch,
      treeDir: opts.treeDir ?? defaultTreeDir(repoUrl),
      dryRun: opts.dryRun,
      force: opts.force,
      maxNodeBytes: opts.maxNodeBytes,
      timeoutMs: opts.timeout,
      keepHistory: opts.keepHistory,
    });
    Deno.exitCode = result.exitCode;
  } finally {
    await store.close();
  }
}
