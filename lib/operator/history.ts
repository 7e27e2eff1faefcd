/**
 * `history [--limit N] [--json]` and `history show VERSION [--json]`: what was deployed when, by
 * whom, where it failed — read from the rollout records (`history_read.ts`). Damaged or foreign
 * records are listed with what is wrong with them.
 *
 * @module
 */
import { Command, InvalidArgumentError } from "commander";
import { showVersion } from "../cluster/mod.ts";
import { addStoreOption, timeoutOption } from "../cli/options.ts";
import { withStore } from "../cli/open_store.ts";
import { CliError } from "../cli/run.ts";
import { findEntry, type History, type HistoryEntry, readHistory } from "./history_read.ts";
import { DEFAULT_HISTORY_LIMIT, entryJson, historyDocument } from "./history_document.ts";

function parseLimit(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError("expected a number >= 1");
  return n;
}

/** A duration in words (`42s`, `3m12s`). */
function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return "-";
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

/** The pin in one line. */
function pinLine(history: History): string[] {
  const lines: string[] = [];
  if (history.pin !== null) {
    const p = history.pin;
    lines.push(
      `PINNED to ${p.version} by ${p.by} at ${p.at} (rollback from ${showVersion(p.from)}); ` +
        "sync will not run until `clusterdeploy unpin`",
    );
  }
  if (history.pinProblem !== undefined) {
    lines.push(`DAMAGED /rollouts data (pin ignored): ${history.pinProblem}`);
  }
  for (const name of history.foreign) {
    lines.push(`FOREIGN node /rollouts/${name}: not a rollout record (ignored)`);
  }
  return lines;
}

/** The history, one line per record, newest first. */
export function formatHistory(history: History, limit: number): string[] {
  const lines = pinLine(history);
  if (history.entries.length === 0) return [...lines, "no rollout recorded yet"];
  for (const e of history.entries.slice(0, limit)) {
    if (e.record === undefined) {
      lines.push(`${e.id}  DAMAGED record /rollouts/${e.id}: ${e.problem}`);
      continue;
    }
    const r = e.record;
    const rollback = r.rollbackFrom === undefined
      ? ""
      : ` [rollback from ${showVersion(r.rollbackFrom).slice(0, 12)}]`;
    lines.push(
      [
        e.id,
        r.version.slice(0, 12),
        r.syncedAt,
        r.by,
        `hosts ${e.hosts.done}/${e.hosts.failed}/${e.hosts.total}`,
        duration(e.durationMs),
        e.state,
        `${r.subject}${rollback}`,
      ].join("  "),
    );
    for (const o of e.outcomes) {
      if (o.problem !== undefined) lines.push(`    DAMAGED outcome of ${o.host}: ${o.problem}`);
    }
  }
  return lines;
}

/** One record in full. */
export function formatEntry(e: HistoryEntry): string[] {
  if (e.record === undefined) return [`record ${e.id}: DAMAGED: ${e.problem}`];
  const r = e.record;
  const lines = [
    `record ${e.id}: version ${r.version} (${e.state})`,
    `  commit: ${r.subject}`,
    `  author: ${r.author}, ${r.committedAt}`,
    `  synced: ${r.syncedAt} by ${r.by}, from ${showVersion(r.previous)}`,
  ];
  if (r.rollbackFrom !== undefined) lines.push(`  rollback from ${showVersion(r.rollbackFrom)}`);
  for (const ev of r.events) {
    lines.push(`  ${ev.what} to ${showVersion(ev.to)} by ${ev.by} at ${ev.at}`);
  }
  lines.push(`  hosts: ${e.hosts.done} done, ${e.hosts.failed} failed, ${e.hosts.total} in all`);
  for (const o of e.outcomes) {
    if (o.outcome === undefined) {
      lines.push(`    ${o.host}: DAMAGED outcome: ${o.problem}`);
      continue;
    }
    const x = o.outcome;
    const stop = x.allStop ? " ALL STOP" : "";
    const error = x.error === undefined ? "" : `: ${x.error}`;
    lines.push(
      `    ${o.host} (${x.name}): ${x.started} -> ${x.finished} ${x.result}${stop}, ` +
        `${x.commands} commands${error}`,
    );
  }
  lines.push(`  changed: ${r.changes} node${r.changes === 1 ? "" : "s"}`);
  for (const path of r.paths) lines.push(`    ${path}`);
  if (r.changes > r.paths.length) lines.push(`    … and ${r.changes - r.paths.length} more`);
  return lines;
}

/** Builds `history` (with `history show`). */
export function historyCommand(): Command {
  const history = addStoreOption(
    new Command("history")
      .description(
        "the rollout history, newest first: version, when, by whom, hosts done/failed/total, " +
          "duration, state (converged, stopped, superseded, rolled back, in progress), subject",
      )
      .option("--limit <n>", "show the newest N records", parseLimit, DEFAULT_HISTORY_LIMIT)
      .option("--json", "print JSON for scripts", false)
      .addOption(timeoutOption())
      .addHelpText(
        "after",
        "\nA damaged or foreign record is listed as DAMAGED with what is wrong." +
          "\nExit status: 0 listed, 1 error (store unreachable), 2 usage error.",
      ),
  ).action(async (opts: { store: string; limit: number; json: boolean; timeout: number }) => {
    const read = await withStore(opts.store, readHistory, {
      mustExist: true,
      readOnly: true,
      timeoutMs: opts.timeout,
    });
    if (opts.json) {
      console.log(JSON.stringify(historyDocument(read, opts.limit), null, 2));
    } else {
      for (const line of formatHistory(read, opts.limit)) console.log(line);
    }
  });
  // `history show VERSION`: the options (--store, --json, --timeout) are history's own,
  // given before or after `show VERSION`.
  history.addCommand(
    new Command("show")
      .description("one rollout in full: the record, each host's timeline, the changed paths")
      .argument("<version>", "a commit id or prefix (the newest record of it), or a record id")
      .addHelpText(
        "after",
        "\nOptions: those of history (--store, --json, --timeout)." +
          "\nExit status: 0 shown, 1 no such record, 2 usage error.",
      )
      .action(async (text: string) => {
        const opts = history.opts() as { store: string; json: boolean; timeout: number };
        const read = await withStore(opts.store, readHistory, {
          mustExist: true,
          readOnly: true,
          timeoutMs: opts.timeout,
        });
        let entry;
        try {
          entry = findEntry(read, text);
        } catch (error) {
          throw new CliError((error as Error).message);
        }
        if (entry === undefined) throw new CliError(`no rollout record for '${text}'`);
        if (opts.json) console.log(JSON.stringify(entryJson(entry), null, 2));
        else for (const line of formatEntry(entry)) console.log(line);
      }),
  );
  return history;
}
