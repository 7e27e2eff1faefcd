/**
 * Handling a batch of Consul events on this node: decode, de-duplicate, then hand each event to
 * its kind's action (`event_actions.ts`), which locks, gathers the facts, plans, executes (or
 * prints in test mode) and records failures in the application's KV document
 * (`event_run.ts`).
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { Runner } from "../proc/types.ts";
import type { ConsulApi } from "./consul.ts";
import { type Effects, LiveEffects, PrintEffects } from "./effects.ts";
import { BatchError, EventError } from "./errors.ts";
import { decodeEvent, eventLabel, parseBatch } from "./event.ts";
import { deployEvent, destroyEvent, migrateEvent } from "./event_actions.ts";
import type { EventContext } from "./event_run.ts";
import { execute, type Outcome } from "./execute.ts";
import { EVENT_NAMES } from "./defaults.ts";
import { HandledEvents } from "./handled.ts";
import type { Step } from "./steps.ts";
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

/** The handler of one batch: de-duplicates its events, and is the context each is handled in. */
class Handler implements EventContext {
  readonly options: HandlerOptions;
  #node: string | undefined;
  readonly #handled: HandledEvents;
  /** Test mode: the IDs of this batch already shown (the record file is not written). */
  readonly #shown = new Set<string>();

  constructor(o: HandlerOptions) {
    this.options = o;
    this.#node = o.node;
    this.#handled = new HandledEvents(o.deployDir);
  }

  async node(): Promise<string> {
    this.#node ??= await this.options.consul.nodeName();
    return this.#node;
  }

  /**
   * Handles one event; false when it was bad or failed. The event is recorded as handled once
   * its application's lock is held, just before acting (a bad event is recorded too: it will not
   * get better; an event refused for a busy lock is not, so that it is tried again).
   */
  async handle(raw: unknown, index: number): Promise<boolean> {
    const o = this.options;
    const event = decodeEvent(raw, index);
    if (this.#shown.has(event.id) || await this.#handled.has(event.id)) {
      o.logger.info(`Event already handled in the past: ${event.id}`);
      return true;
    }
    o.logger.info(`Received event ${event.name} with ID ${event.id} and payload ${event.payload}`);
    try {
      switch (event.name) {
        case "deploy":
          return await deployEvent(this, event);
        case "destroy":
          return await destroyEvent(this, event);
        case "migrate":
          return await migrateEvent(this, event);
        default:
          throw new EventError(
            event.id,
            "Name",
            `unknown event name '${event.name}' (expected ${EVENT_NAMES.join(", ")})`,
          );
      }
    } catch (error) {
      if (error instanceof EventError) await this.claim(event.id);
      throw error;
    }
  }

  async claim(id: string): Promise<boolean> {
    if (this.options.test) {
      // handle() has just seen the ID neither shown nor handled: test mode only remembers it.
      this.#shown.add(id);
      return true;
    }
    await Deno.mkdir(this.options.deployDir, { recursive: true });
    return await this.#handled.claim(id);
  }

  execute(steps: Step[]): Promise<Outcome> {
    return execute(steps, {
      effects: this.#effects(),
      logger: this.options.logger,
      consulUrl: this.options.consul.url,
      placeholders: this.options.test,
    });
  }

  #effects(): Effects {
    const o = this.options;
    return o.test ? new PrintEffects(o.print, o.consul.url) : new LiveEffects({
      runner: o.runner,
      consul: o.consul,
      logger: o.logger,
      transferTimeoutMs: o.transferTimeoutMs,
      pollMs: o.pollMs,
    });
  }
}
