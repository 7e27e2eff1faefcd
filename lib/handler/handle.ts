/**
 * Handling a batch of Consul events on this node: decode, de-duplicate, lock, gather the facts,
 * plan, execute (or print in test mode), record failures in the application's KV document.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { Runner } from "../proc/types.ts";
import { type AppIdentity, appIdentity, checkoutDir } from "./app.ts";
import { exists } from "../fs.ts";
import {
  type CheckoutRead,
  readCheckout,
  readScratchCheckout,
  readTargetCheckout,
} from "./checkout.ts";
import type { ConsulApi } from "./consul.ts";
import { type Effects, kvText, LiveEffects, PrintEffects } from "./effects.ts";
import { BatchError, EventError, RefusedError } from "./errors.ts";
import { type DecodedEvent, decodeEvent, eventLabel, parseBatch } from "./event.ts";
import { execute, type Outcome } from "./execute.ts";
import { EVENT_NAMES } from "./defaults.ts";
import { HandledEvents } from "./handled.ts";
import { acquireLocks, type Release } from "./lock.ts";
import { parseDeploy, parseDestroy, parseMigrate } from "./payload.ts";
import { urlCollision } from "./collisions.ts";
import { removeCheckout } from "./step_builders.ts";
import { type ComposeFacts } from "./compose.ts";
import { type Checkout, deployRoles, planCheckout, planDeploy } from "./plan_deploy.ts";
import { planDestroy } from "./plan_destroy.ts";
import { planMigrate } from "./plan_migrate.ts";
import { type AppError, type AppRecord, parseRecord, parseRecordObject } from "./record.ts";
import { appKey, type Step } from "./steps.ts";
import { message } from "../error_message.ts";

/** Options of the handler. */
export interface HandlerOptions {
  /** Consul (reads in both modes; writes and the lock in live mode only). */
  consul: ConsulApi;
  /** Runs commands in live mode. */
  runner: Runner;
  /** Runs the real `git clone` into a scratch directory in test mode. */
  checkoutRunner: Runner;
  /** Logs. */
  logger: Logger;
  /** Where checkouts and the handled-events record live. */
  deployDir: string;
  /** This node's name; default: the Consul agent's. */
  node?: string;
  /** Test mode: print effects instead of performing them. */
  test: boolean;
  /** Where test mode prints (standard output by default). */
  print: (line: string) => void;
  /** The compose command, e.g. `["docker", "compose"]`. */
  compose: readonly string[];
  /**
   * The volume driver of the named volumes that are snapshotted, replicated and moved; default
   * buttervolume's plugin, `anybox/buttervolume:latest`.
   */
  volumeDriver?: string;
  /** How long to wait for a busy application lock, ms. */
  lockWaitMs: number;
  /** How long a new master waits for the old master's transfer, ms. */
  transferTimeoutMs: number;
  /** Polling interval (lock, transfer), ms. */
  pollMs: number;
}

/** Handles a batch given as text (the JSON array); 0 when every event went well, else 1. */
export async function handleBatch(text: string, o: HandlerOptions): Promise<number> {
  let raws: unknown[];
  try {
    raws = parseBatch(text);
  } catch (error) {
    if (!(error instanceof BatchError)) throw error;
    o.logger.error(error.message);
    return 1;
  }
  return await handleEvents(raws, o);
}

/** Handles parsed events in order; a bad or failed event does not stop the others. */
export async function handleEvents(raws: unknown[], o: HandlerOptions): Promise<number> {
  const handler = new Handler(o);
  let failed = false;
  for (const [index, raw] of raws.entries()) {
    try {
      if (!await handler.handle(raw, index)) failed = true;
    } catch (error) {
      o.logger.error(
        error instanceof EventError
          ? error.message
          : `event ${eventLabel(raw, index)}: ${message(error)}`,
      );
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

class Handler {
  readonly #o: HandlerOptions;
  #node: string | undefined;
  readonly #handled: HandledEvents;
  /** Test mode: the IDs of this batch already shown (the record file is not written). */
  readonly #shown = new Set<string>();

  constructor(o: HandlerOptions) {
    this.#o = o;
    this.#node = o.node;
    this.#handled = new HandledEvents(o.deployDir);
  }

  async node(): Promise<string> {
    this.#node ??= await this.#o.consul.nodeName();
    return this.#node;
  }

  /**
   * Handles one event; false when it was bad or failed. The event is recorded as handled once
   * its application's lock is held, just before acting (a bad event is recorded too: it will not
   * get better; an event refused for a busy lock is not, so that it is tried again).
   */
  async handle(raw: unknown, index: number): Promise<boolean> {
    const o = this.#o;
    const event = decodeEvent(raw, index);
    if (this.#shown.has(event.id) || await this.#handled.has(event.id)) {
      o.logger.info(`Event already handled in the past: ${event.id}`);
      return true;
    }
    o.logger.info(`Received event ${event.name} with ID ${event.id} and payload ${event.payload}`);
    try {
      switch (event.name) {
        case "deploy":
          return await this.#deploy(event);
        case "destroy":
          return await this.#destroy(event);
        case "migrate":
          return await this.#migrate(event);
        default:
          throw new EventError(
            event.id,
            "Name",
            `unknown event name '${event.name}' (expected ${EVENT_NAMES.join(", ")})`,
          );
      }
    } catch (error) {
      if (error instanceof EventError) await this.#claim(event.id);
      throw error;
    }
  }

  async #claim(id: string): Promise<boolean> {
    if (this.#o.test) {
      // handle() has just seen the ID neither shown nor handled: test mode only remembers it.
      this.#shown.add(id);
      return true;
    }
    await Deno.mkdir(this.#o.deployDir, { recursive: true });
    return await this.#handled.claim(id);
  }

  async #deploy(event: DecodedEvent): Promise<boolean> {
    const payload = parseDeploy(event.id, event.payload);
    const app = appIdentity(payload.repo, payload.branch);
    const members = await this.#o.consul.members();
    for (const field of ["master", "slave"] as const) {
      const name = payload[field];
      if (name !== undefined && members[name] === undefined) {
        const known = Object.keys(members).join(", ");
        throw new EventError(event.id, `Payload.${field}`, `'${name}' is not a member (${known})`);
      }
    }
    return await this.#locked(event, [app], async (node) => {
      const o = this.#o;
      const old = await this.#record(app.name);
      let checkout: Checkout | undefined;
      const [was, becomes] = deployRoles({ node, old, payload });
      if (becomes !== "nothing") {
        const fetched = await this.#checkout(app, event.id);
        if (!fetched.ok) return fetched;
        checkout = fetched.checkout;
        await this.#refuseCollision(app, checkout.compose, async () => {
          await this.#execute([removeCheckout(o.deployDir, app.name, event.id)]);
        });
      } else if (was !== "nothing") {
        // A leaving master or slave changes nothing if the new master will refuse the deploy.
        const read = await this.#scratchCheckout(app, checkoutDir(o.deployDir, app.name, event.id));
        if (!read.ok) return read;
        await this.#refuseCollision(app, read.checkout.compose, () => Promise.resolve());
      }
      const oldDir = old?.deploy_id ? checkoutDir(o.deployDir, app.name, old.deploy_id) : "";
      return planDeploy({
        node,
        eventId: event.id,
        app,
        payload,
        old,
        members,
        deployDir: o.deployDir,
        compose: o.compose,
        oldCheckoutExists: oldDir !== "" && await exists(oldDir),
        checkout,
      });
    });
  }

  async #destroy(event: DecodedEvent): Promise<boolean> {
    const payload = parseDestroy(event.id, event.payload);
    const app = appIdentity(payload.repo, payload.branch);
    return await this.#locked(event, [app], async (node) => {
      const o = this.#o;
      const old = await this.#record(app.name);
      const dir = old?.deploy_id ? checkoutDir(o.deployDir, app.name, old.deploy_id) : "";
      return planDestroy({
        node,
        app,
        old,
        members: await o.consul.members(),
        deployDir: o.deployDir,
        compose: o.compose,
        checkoutExists: dir !== "" && await exists(dir),
      });
    });
  }

  async #migrate(event: DecodedEvent): Promise<boolean> {
    const payload = parseMigrate(event.id, event.payload);
    const source = appIdentity(payload.repo, payload.branch);
    const target = appIdentity(payload.target.repo, payload.target.branch);
    if (source.name === target.name) {
      throw new EventError(event.id, "Payload.target", `is the source application ${source.name}`);
    }
    return await this.#locked(event, [target, source], async (node) => {
      const o = this.#o;
      const targetRecord = await this.#record(target.name);
      const dir = targetRecord?.deploy_id
        ? checkoutDir(o.deployDir, target.name, targetRecord.deploy_id)
        : "";
      const onTarget = dir !== "" && targetRecord?.master === node;
      return planMigrate({
        node,
        eventId: event.id,
        source,
        target,
        sourceRecord: await this.#record(source.name),
        targetRecord,
        members: await o.consul.members(),
        deployDir: o.deployDir,
        compose: o.compose,
        update: payload.update,
        targetCheckout: onTarget ? await readTargetCheckout(dir, target.project) : undefined,
      });
    });
  }

  /** Takes the apps' locks (live mode), plans with `plan`, executes, records a failure. */
  async #locked(
    event: DecodedEvent,
    apps: AppIdentity[],
    plan: (node: string) => Promise<Step[] | Outcome>,
  ): Promise<boolean> {
    const o = this.#o;
    const node = await this.node();
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
      if (!await this.#claim(event.id)) {
        o.logger.info(`Event already handled in the past: ${event.id}`);
        return true;
      }
      let outcome: Outcome;
      try {
        const steps = await plan(node);
        outcome = Array.isArray(steps) ? await this.#execute(steps) : steps;
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
        await this.#recordError(apps[0], {
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

  #effects(): Effects {
    const o = this.#o;
    return o.test ? new PrintEffects(o.print, o.consul.url) : new LiveEffects({
      runner: o.runner,
      consul: o.consul,
      logger: o.logger,
      transferTimeoutMs: o.transferTimeoutMs,
      pollMs: o.pollMs,
    });
  }

  #execute(steps: Step[]): Promise<Outcome> {
    return execute(steps, {
      effects: this.#effects(),
      logger: this.#o.logger,
      consulUrl: this.#o.consul.url,
      placeholders: this.#o.test,
    });
  }

  /**
   * Fetches the new checkout into `dir` and reads it. In test mode the clone is printed, and
   * made for real in a scratch directory so its docker-compose.yml can be read.
   */
  async #checkout(app: AppIdentity, eventId: string): Promise<CheckoutRead> {
    const o = this.#o;
    const dir = checkoutDir(o.deployDir, app.name, eventId);
    const outcome = await this.#execute(planCheckout(app, o.deployDir, eventId, await exists(dir)));
    if (!outcome.ok) return outcome;
    if (!o.test) {
      return { ok: true, checkout: await readCheckout(dir, dir, app.project, o.volumeDriver) };
    }
    return await this.#scratchCheckout(app, dir);
  }

  /** Refuses the deploy of `app` (after `undo`) when another application serves one of its sites. */
  async #refuseCollision(app: AppIdentity, compose: ComposeFacts, undo: () => Promise<unknown>) {
    const collision = urlCollision(app.name, compose.urls, await this.#o.consul.kvList("app/"));
    if (collision === undefined) return;
    await undo();
    throw new RefusedError(collision);
  }

  /** The new checkout `dir` of `app` read from a scratch clone (removed after). */
  #scratchCheckout(app: AppIdentity, dir: string): Promise<CheckoutRead> {
    return readScratchCheckout(this.#o.checkoutRunner, app, dir, this.#o.volumeDriver);
  }

  async #record(name: string): Promise<Partial<AppRecord> | undefined> {
    const entry = await this.#o.consul.kvGet(appKey(name));
    return entry === undefined ? undefined : parseRecord(name, entry.value);
  }

  /** Stores the failure in `app/<name>` (check-and-set, so a concurrent write is not lost). */
  async #recordError(app: AppIdentity, error: AppError): Promise<void> {
    const o = this.#o;
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
}
