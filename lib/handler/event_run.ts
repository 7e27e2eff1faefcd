/**
 * Running one event of the handler under its applications' locks: take the locks (live mode),
 * claim the event as handled, plan, execute, and record a failure in the application's KV
 * document. Also what an event is handled with: {@linkcode EventContext}.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { Runner } from "../proc/types.ts";
import type { AppIdentity } from "./app.ts";
import type { ConsulApi } from "./consul.ts";
import { kvText } from "./effects.ts";
import { RefusedError } from "./errors.ts";
import type { DecodedEvent } from "./event.ts";
import type { Outcome } from "./execute.ts";
import { acquireLocks, type Release } from "./lock.ts";
import { type AppError, parseRecordObject } from "./record.ts";
import { appKey, type Step } from "./steps.ts";
import { message } from "../error_message.ts";

/** The handler's options that handling one event reads (the handler's own options hold them). */
export interface EventSettings {
  /** Consul (reads in both modes; writes and the lock in live mode only). */
  readonly consul: ConsulApi;
  /** Logs. */
  readonly logger: Logger;
  /** Where checkouts live. */
  readonly deployDir: string;
  /** Test mode: no lock, no record written, effects printed instead of performed. */
  readonly test: boolean;
  /** The compose command, e.g. `["docker", "compose"]`. */
  readonly compose: readonly string[];
  /** Runs the real `git clone` into a scratch directory in test mode. */
  readonly checkoutRunner: Runner;
  /** The volume driver of the named volumes that are snapshotted, replicated and moved. */
  readonly volumeDriver?: string;
  /** How long to wait for a busy application lock, ms. */
  readonly lockWaitMs: number;
  /** Polling interval of the lock, ms. */
  readonly pollMs: number;
}

/** What the handler gives each event it handles: its settings and its ways to act. */
export interface EventContext {
  /** The settings. */
  readonly options: EventSettings;
  /** This node's name. */
  node(): Promise<string>;
  /** Claims event `id` as handled (test mode: shown in this batch); false when it already was. */
  claim(id: string): Promise<boolean>;
  /** Executes `steps` with this mode's effects (performed in live mode, printed in test mode). */
  execute(steps: Step[]): Promise<Outcome>;
}

/**
 * Takes the locks of `apps` (live mode; the event is about `apps[0]`), claims the event, plans
 * with `plan`, executes, records a failure; false when the event was refused or failed.
 */
export async function runLocked(
  context: EventContext,
  event: DecodedEvent,
  apps: AppIdentity[],
  plan: (node: string) => Promise<Step[] | Outcome>,
): Promise<boolean> {
  const o = context.options;
  const node = await context.node();
  const release: Release = o.test ? () => Promise.resolve() : await acquireLocks(
    apps.map((a) => a.name),
    {
      consul: o.consul,
      node,
      logger: o.logger,
      holder: { node, event: event.id, pid: Deno.pid },
      waitMs: o.lockWaitMs,
      pollMs: o.pollMs,
    },
  );
  try {
    if (!await context.claim(event.id)) {
      o.logger.info(`Event already handled in the past: ${event.id}`);
      return true;
    }
    let outcome: Outcome;
    try {
      const steps = await plan(node);
      outcome = Array.isArray(steps) ? await context.execute(steps) : steps;
    } catch (error) {
      if (error instanceof RefusedError) {
        o.logger.error(`event ${event.id}: ${event.name} of ${apps[0].name}: ${error.message}`);
        return false;
      }
      outcome = { ok: false, step: "planning", message: message(error) };
    }
    if (outcome.ok) {
      o.logger.info(`Event ${event.id} (${event.name} of ${apps[0].name}) done`);
      return true;
    }
    o.logger.critical(
      `event ${event.id}: ${event.name} of ${apps[0].name} failed at ${outcome.step}: ` +
        outcome.message,
    );
    if (!o.test) {
      await recordError(o, apps[0], {
        node,
        event: event.id,
        step: outcome.step,
        message: outcome.message,
      });
    }
    return false;
  } finally {
    await release();
  }
}

/** Stores the failure in `app/<name>` (check-and-set, so a concurrent write is not lost). */
async function recordError(o: EventSettings, app: AppIdentity, error: AppError): Promise<void> {
  const key = appKey(app.name);
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      const entry = await o.consul.kvGet(key);
      let doc: Record<string, unknown> = { repo_url: app.repo, branch: app.branch };
      if (entry !== undefined) {
        try {
          doc = parseRecordObject(app.name, entry.value);
        } catch { /* overwrite an unreadable document */ }
      }
      doc.error = error;
      if (await o.consul.kvPut(key, kvText(doc), { cas: entry?.modifyIndex ?? 0 })) {
        o.logger.info(`Error stored in ${key}`);
        return;
      }
    }
    o.logger.error(`Could not store the error in ${key}: it kept changing`);
  } catch (e) {
    o.logger.error(`Could not store the error in ${key}: ${message(e)}`);
  }
}
