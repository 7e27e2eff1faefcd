/**
 * `event deploy|destroy|migrate '<json>'`: fires the Consul user event the handlers receive,
 * after validating the payload with the handler's own rules.
 *
 * @module
 */
import { Argument, Command } from "commander";
import { parsePositiveSeconds } from "../cli/options.ts";
import { appIdentity } from "../handler/app.ts";
import { type ConsulApi, HttpConsul } from "../handler/consul.ts";
import { defaultConsulUrl, EVENT_NAMES } from "../handler/defaults.ts";
import { EventError } from "../handler/errors.ts";
import { parseDeploy, parseDestroy, parseMigrate } from "../handler/payload.ts";
import { CliError } from "../cli/run.ts";

/** An event name the handler knows. */
export type EventName = typeof EVENT_NAMES[number];

const PARSERS: Record<EventName, (id: string, text: string) => { repo: string; branch: string }> = {
  deploy: parseDeploy,
  destroy: parseDestroy,
  migrate: parseMigrate,
};

/**
 * Validates `payload` as the handler will (same messages, naming the field, e.g.
 * `event deploy: field Payload.branch: required`); throws a {@linkcode CliError} (exit 1).
 * Returns the application name the handlers will derive from it.
 */
export function validateEventPayload(name: EventName, payload: string): string {
  try {
    const { repo, branch } = PARSERS[name](name, payload);
    return appIdentity(repo, branch).name;
  } catch (error) {
    if (error instanceof EventError) throw new CliError(`${error.message}; nothing fired`);
    throw error;
  }
}

/** Fires the event through the handler's Consul client and returns the ID Consul gives it. */
export async function fireEvent(
  consul: ConsulApi,
  name: EventName,
  payload: string,
): Promise<string> {
  try {
    return await consul.fireEvent(name, payload);
  } catch (error) {
    throw new CliError(
      `could not fire the ${name} event: ${(error as Error).message} (is the Consul agent ` +
        `reachable? see --consul)`,
    );
  }
}

interface EventOptions {
  consul: string;
  dryRun: boolean;
  consulTimeout: number;
}

/** Builds `event`. */
export function eventCommand(): Command {
  return new Command("event")
    .description(
      "validate a deploy, destroy or migrate payload as the handlers do, then fire it as a " +
        "Consul user event (PUT /v1/event/fire/<name>); prints the event ID",
    )
    .addArgument(new Argument("<name>", "the event").choices([...EVENT_NAMES]))
    .argument("<json>", "the payload, a JSON object")
    .option("--consul <url>", "Consul agent HTTP address", defaultConsulUrl())
    .option("--dry-run", "validate and print what would be fired; fire nothing", false)
    .option(
      "--consul-timeout <seconds>",
      "limit of the Consul HTTP request",
      parsePositiveSeconds,
      30,
    )
    .addHelpText(
      "after",
      `
Payloads:
  deploy   {"repo": URL, "branch": B, "master": NODE, "slave": NODE, "update": true}
  destroy  {"repo": URL, "branch": B}
  migrate  {"repo": URL, "branch": B, "target": {"repo": URL, "branch": B}, "update": true}

The payload is sent as given. Exit status: 0 fired (or validated with --dry-run), 1 bad payload
(the message names the field; nothing is fired) or Consul error, 2 usage error.`,
    )
    .action(async (name: EventName, json: string, opts: EventOptions) => {
      const app = validateEventPayload(name, json);
      const url = opts.consul.replace(/\/+$/, "");
      if (opts.dryRun) {
        console.log(`PUT ${url}/v1/event/fire/${name}`);
        console.log(json);
        console.error(`dry run: ${name} event for application ${app} not fired`);
        return;
      }
      const consul = new HttpConsul(url, opts.consulTimeout * 1000);
      try {
        const id = await fireEvent(consul, name, json);
        console.log(id);
        console.error(`fired ${name} event ${id} for application ${app}`);
      } finally {
        consul.close();
      }
    });
}
