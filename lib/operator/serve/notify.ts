/**
 * `serve --notify CMD`: each rollout event (see `rollout_events.ts`) is claimed, then sent.
 *
 * - Claimed: `/notifications/<key>` is created (create-if-absent). Only the `serve` process
 *   whose create succeeds sends the event; the others log that it was claimed elsewhere. So an
 *   event is sent once across every `serve` of the cluster (at most once: a process that dies
 *   after claiming does not hand the event over).
 * - Sent: CMD (an argv array, never a shell string) runs with the event as one JSON document on
 *   its standard input. A failure (exit status not 0, or CMD not found) is retried with
 *   exponential backoff, up to {@linkcode NotifyOptions.attempts} times; the claim node records
 *   the outcome (`sent`, or `failed` with the last error).
 * - Bounded: only the newest {@linkcode KEEP_CLAIMS} claim nodes are kept.
 *
 * Every step is logged.
 *
 * @module
 */
import type { Store } from "../../store/types.ts";
import { isStoreError } from "../../store/types.ts";
import { NOTIFICATIONS } from "../../cluster/mod.ts";
import type { Logger } from "../../log.ts";
import { message } from "../../error_message.ts";
import type { StatusFeed } from "./status_feed.ts";
import { ERROR_GRACE_MS, type RolloutEvent, RolloutEvents } from "./rollout_events.ts";

/** How many claim nodes are kept under `/notifications`. */
export const KEEP_CLAIMS = 200;

/** Options of {@linkcode Notifier}. */
export interface NotifyOptions {
  /** The command, as argv (the first word is the program). */
  argv: readonly string[];
  /** How many times CMD is tried at most (default 6). */
  attempts?: number;
  /** The first retry's delay, ms; doubled each time (default 1000), at most 60 s. */
  backoffMs?: number;
  /** How long one run of CMD may take, ms (default 30 s); it is killed after. */
  timeoutMs?: number;
  /** Who claims (written into the claim node). */
  claimant?: string;
}

/** Checks a `--notify` command: a JSON array of one or more non-empty strings; its argv. */
export function parseNotifyArgv(text: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`--notify: expected a JSON array of strings (argv), not ${text}`);
  }
  if (
    !Array.isArray(value) || value.length === 0 ||
    !value.every((w) => typeof w === "string" && w !== "" && !w.includes("\0"))
  ) {
    throw new Error(
      `--notify: expected a JSON array of non-empty strings (argv), such as ` +
        `'["/usr/libexec/clusterdeploy/notify-webhook", "https://hooks.example/x"]'`,
    );
  }
  return value as string[];
}

/** Sends the feed's rollout events through CMD, once across the cluster. */
export class Notifier {
  readonly #store: Store;
  readonly #log: Logger;
  readonly #options: Required<NotifyOptions>;
  readonly #events = new RolloutEvents();
  #unsubscribe: (() => void) | undefined;
  #grace: ReturnType<typeof setTimeout> | undefined;
  #queue: Promise<void> = Promise.resolve();
  #stopped = false;

  /** A notifier on `store`, logging to `log`. */
  constructor(store: Store, log: Logger, options: NotifyOptions) {
    this.#store = store;
    this.#log = log;
    this.#options = {
      attempts: 6,
      backoffMs: 1000,
      timeoutMs: 30_000,
      claimant: `${Deno.hostname?.() ?? "?"}:${Deno.pid}`,
      ...options,
    };
  }

  /** Follows `feed`. */
  start(feed: StatusFeed): void {
    this.#unsubscribe = feed.subscribe((snapshot) => {
      for (const event of this.#events.next(snapshot)) this.#enqueue(event);
      if (this.#grace !== undefined) clearTimeout(this.#grace);
      this.#grace = undefined;
      if (this.#events.waitingForError) {
        this.#grace = setTimeout(() => {
          this.#grace = undefined;
          const now = feed.current;
          if (now) { for (const event of this.#events.next(now)) this.#enqueue(event); }
        }, ERROR_GRACE_MS + 50);
      }
    });
  }

  /** Stops following; resolves when the events under way are done. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    if (this.#grace !== undefined) clearTimeout(this.#grace);
    await this.#queue;
  }

  #enqueue(event: RolloutEvent): void {
    this.#queue = this.#queue.then(() => this.#handle(event)).catch((error) =>
      this.#log.error(`notify ${event.key}: ${message(error)}`)
    );
  }

  async #handle(event: RolloutEvent): Promise<void> {
    const path = `${NOTIFICATIONS}/${event.key}`;
    const claim = { ...event, claimedBy: this.#options.claimant, state: "claimed" };
    try {
      await this.#store.create(path, JSON.stringify(claim), { parents: true });
    } catch (error) {
      if (isStoreError(error, "NODE_EXISTS")) {
        this.#log.info(`notify ${event.key}: ${event.kind} claimed by another serve; not sent`);
        return;
      }
      throw error;
    }
    this.#log.info(`notify ${event.key}: ${event.kind} claimed; sending`);
    await this.#trim();
    const input = JSON.stringify(event) + "\n";
    let lastError = "";
    for (let attempt = 1; attempt <= this.#options.attempts && !this.#stopped; attempt++) {
      lastError = await this.#run(input);
      if (lastError === "") {
        this.#log.info(`notify ${event.key}: ${event.kind} sent (attempt ${attempt})`);
        await this.#record(path, { ...claim, state: "sent", attempts: attempt });
        return;
      }
      const delay = Math.min(this.#options.backoffMs * 2 ** (attempt - 1), 60_000);
      const more = attempt < this.#options.attempts;
      this.#log.warning(
        `notify ${event.key}: attempt ${attempt} failed: ${lastError}` +
          (more ? `; retrying in ${delay / 1000} s` : ""),
      );
      if (more) await new Promise((resolve) => setTimeout(resolve, delay));
    }
    this.#log.error(`notify ${event.key}: ${event.kind} NOT sent: ${lastError}`);
    await this.#record(path, { ...claim, state: "failed", error: lastError });
  }

  /** Runs CMD with `input` on its standard input; "" when it succeeded, else what went wrong. */
  async #run(input: string): Promise<string> {
    const [program, ...args] = this.#options.argv;
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(program, {
        args,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (error) {
      return `cannot run ${program}: ${message(error)}`;
    }
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
    }, this.#options.timeoutMs);
    try {
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(input)).catch(() => {});
      await writer.close().catch(() => {});
      const out = await child.output();
      if (out.success) return "";
      const stderr = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-3).join(" | ");
      return `${program} exited with status ${out.code}${stderr ? `: ${stderr}` : ""}`;
    } finally {
      clearTimeout(timer);
    }
  }

  async #record(path: string, data: Record<string, unknown>): Promise<void> {
    await this.#store.set(path, JSON.stringify(data)).catch((error) =>
      this.#log.warning(`notify: could not record the outcome at ${path}: ${message(error)}`)
    );
  }

  /** Keeps the newest {@linkcode KEEP_CLAIMS} claims (names sort by /hosts version). */
  async #trim(): Promise<void> {
    const top = await this.#store.get(NOTIFICATIONS);
    const names = (top?.children ?? []).filter((n) => /^\d{10}-[a-z-]+$/.test(n)).sort();
    for (const name of names.slice(0, Math.max(0, names.length - KEEP_CLAIMS))) {
      await this.#store.delete(`${NOTIFICATIONS}/${name}`).catch(() => {}); // another serve's
    }
  }
}
