/**
 * Effects: how steps touch the world. {@linkcode LiveEffects} runs commands and calls Consul;
 * {@linkcode PrintEffects} (test mode) prints each effect instead, one per line: commands as argv,
 * Consul calls as `METHOD URL` then the JSON body.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { Runner, RunResult } from "../proc/types.ts";
import { formatArgv } from "../proc/types.ts";
import type { ConsulApi } from "./consul.ts";
import type { ConsulCall } from "./steps.ts";
import { transferPrefix } from "./steps.ts";

/** What steps are performed through. */
export interface Effects {
  /** Runs a command. */
  run(argv: string[], cwd?: string): Promise<RunResult>;
  /** Performs a Consul write. */
  consul(call: ConsulCall): Promise<void>;
  /** Waits for the transfer notification of `name` for `eventId`; throws on failure or timeout. */
  waitTransfer(name: string, eventId: string): Promise<void>;
  /** Sets `COMPOSE_PROJECT_NAME` in `<dir>/.env`. */
  projectEnv(dir: string, project: string): Promise<void>;
}

/** The `.env` write as printed and logged. */
export function describeProjectEnv(dir: string, project: string): string {
  return `write ${dir}/.env: ${PROJECT_VARIABLE}=${project}`;
}

const PROJECT_VARIABLE = "COMPOSE_PROJECT_NAME";

/**
 * Sets `COMPOSE_PROJECT_NAME=<project>` in `<dir>/.env`: an earlier setting of it is replaced,
 * the file's other lines are kept (an application may ship its own `.env`). A `.env` that is not
 * a regular file (e.g. a symbolic link the repository ships) is refused, never written through.
 */
export async function writeProjectEnv(dir: string, project: string): Promise<void> {
  const path = `${dir}/.env`;
  let lines: string[] = [];
  try {
    if (!(await Deno.lstat(path)).isFile) {
      throw new Error(`${path}: not a regular file (a link?): refusing to write it`);
    }
    lines = (await Deno.readTextFile(path)).split("\n");
    if (lines.at(-1) === "") lines.pop();
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const kept = lines.filter((line) => !/^\s*(export\s+)?COMPOSE_PROJECT_NAME\s*=/.test(line));
  await Deno.writeTextFile(path, [...kept, `${PROJECT_VARIABLE}=${project}`, ""].join("\n"));
}

/** A command as printed and logged: argv, then `# in DIR` when it runs in a directory. */
export function describeRun(argv: readonly string[], cwd?: string): string {
  return formatArgv(argv) + (cwd === undefined ? "" : `  # in ${cwd}`);
}

/** A Consul call as printed: `METHOD URL`, then the body when there is one. */
export function describeConsul(call: ConsulCall, url: string): string[] {
  const v1 = `${url}/v1`;
  switch (call.op) {
    case "kv-put":
      return [`PUT ${v1}/kv/${call.key}`, ...body(call.value)];
    case "kv-delete":
      return [`DELETE ${v1}/kv/${call.key}${call.recurse ? "?recurse" : ""}`];
    case "service-register":
      return [`PUT ${v1}/agent/service/register`, ...body(call.service)];
    case "service-deregister":
      return [`PUT ${v1}/agent/service/deregister/${call.id}`];
  }
}

/** The wait for a transfer notification as printed. */
export function describeWait(name: string, eventId: string, url: string): string {
  return `GET ${url}/v1/kv/${
    transferPrefix(name)
  }?recurse  # wait for the transfer of event ${eventId}`;
}

function body(value: string | Record<string, unknown>): string[] {
  if (typeof value === "string") return value === "" ? [] : [value];
  return [JSON.stringify(value, null, 4)];
}

/** Serializes a KV value: text as is, objects as indented JSON. */
export function kvText(value: string | Record<string, unknown>): string {
  return typeof value === "string" ? value : JSON.stringify(value, null, 4);
}

/** Test mode: prints every effect, executes nothing, every command succeeds with no output. */
export class PrintEffects implements Effects {
  readonly #print: (line: string) => void;
  readonly #url: string;

  /** Prints through `print`; Consul URLs are shown under `url`. */
  constructor(print: (line: string) => void, url: string) {
    this.#print = print;
    this.#url = url;
  }

  /** Prints the command. */
  run(argv: string[], cwd?: string): Promise<RunResult> {
    this.#print(describeRun(argv, cwd));
    return Promise.resolve({ argv, code: 0, stdout: "", stderr: "", timedOut: false });
  }

  /** Prints the call. */
  consul(call: ConsulCall): Promise<void> {
    for (const line of describeConsul(call, this.#url)) this.#print(line);
    return Promise.resolve();
  }

  /** Prints the wait. */
  waitTransfer(name: string, eventId: string): Promise<void> {
    this.#print(describeWait(name, eventId, this.#url));
    return Promise.resolve();
  }

  /** Prints the write. */
  projectEnv(dir: string, project: string): Promise<void> {
    this.#print(describeProjectEnv(dir, project));
    return Promise.resolve();
  }
}

/** Options of {@linkcode LiveEffects}. */
export interface LiveOptions {
  /** Runs commands. */
  runner: Runner;
  /** Talks to Consul. */
  consul: ConsulApi;
  /** Logs. */
  logger: Logger;
  /** How long to wait for a transfer notification, ms. */
  transferTimeoutMs: number;
  /** Polling interval of that wait, ms. */
  pollMs: number;
}

/** Real effects. */
export class LiveEffects implements Effects {
  readonly #o: LiveOptions;

  /** Makes live effects. */
  constructor(options: LiveOptions) {
    this.#o = options;
  }

  /** Runs the command. */
  run(argv: string[], cwd?: string): Promise<RunResult> {
    return this.#o.runner.run(argv, cwd === undefined ? {} : { cwd });
  }

  /** Calls Consul. */
  async consul(call: ConsulCall): Promise<void> {
    const consul = this.#o.consul;
    switch (call.op) {
      case "kv-put":
        if (!await consul.kvPut(call.key, kvText(call.value))) {
          throw new Error(`Consul refused the write of ${call.key}`);
        }
        return;
      case "kv-delete":
        return await consul.kvDelete(call.key, { recurse: call.recurse });
      case "service-register":
        return await consul.registerService(call.service);
      case "service-deregister":
        if (!await consul.deregisterService(call.id)) {
          this.#o.logger.warning(`Service ${call.id} was not registered on this node`);
        }
        return;
    }
  }

  /** Writes the `.env`. */
  projectEnv(dir: string, project: string): Promise<void> {
    return writeProjectEnv(dir, project);
  }

  /** Polls `migrate/<name>/` until a notification of `eventId` appears. */
  async waitTransfer(name: string, eventId: string): Promise<void> {
    const deadline = Date.now() + this.#o.transferTimeoutMs;
    this.#o.logger.info(`Waiting for the transfer notification of ${name} (event ${eventId})`);
    while (true) {
      for (const entry of await this.#o.consul.kvList(transferPrefix(name))) {
        let event: unknown;
        try {
          event = JSON.parse(entry.value)?.event;
        } catch { /* not ours */ }
        if (event !== eventId) continue;
        const status = entry.key.slice(entry.key.lastIndexOf("/") + 1);
        if (status === "success") return;
        throw new Error(`the old master reported a failed volume transfer (${entry.key})`);
      }
      if (Date.now() >= deadline) {
        throw new Error(
          `no transfer notification for ${name} after ${this.#o.transferTimeoutMs / 1000} s`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, this.#o.pollMs));
    }
  }
}
