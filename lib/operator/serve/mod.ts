/**
 * `clusterdeploy serve`: a live, read-only view of the rollout in the browser (the overview,
 * the apps with `--consul`), a JSON API for scripts, and `--notify` for rollout events. The
 * front door of `lib/operator/serve/`:
 *
 * - `status_feed.ts`: the one set of store watches every browser and the notifier share;
 * - `server.ts`: routing, auth, headers; `assets.ts` and `pages/`: the embedded pages;
 * - `notify.ts`, `rollout_events.ts`: the events, claimed once per cluster, then sent;
 * - `apps.ts`: Consul's `app/<name>` records; `listen.ts`: where it listens and who may ask.
 *
 * @module
 */
import { Command } from "commander";
import { addStoreOption } from "../../cli/options.ts";
import { openStoreForCli } from "../../cli/open_store.ts";
import { CliError } from "../../cli/run.ts";
import { createLogger, parseLogFormat } from "../../log.ts";
import { message } from "../../error_message.ts";
import { StatusFeed } from "./status_feed.ts";
import { makeHandler } from "./server.ts";
import { Notifier, parseNotifyArgv } from "./notify.ts";
import { checkListenOptions, DEFAULT_LISTEN, parseListen, readToken } from "./listen.ts";
import { readApps } from "./apps.ts";

/** The description `--help` shows. */
export const SERVE_DESCRIPTION =
  "a live, read-only rollout view in the browser (overview, hosts, role locks; apps with " +
  "--consul), a JSON API (/api/status, /api/events) and --notify for rollout events";

interface ServeOptions {
  store: string;
  listen: string;
  consul?: string;
  tokenFile?: string;
  tlsCert?: string;
  tlsKey?: string;
  notify?: string;
  notifyBackoff: string;
  logFormat?: string;
}

/** Builds `serve`. */
export function serveCommand(): Command {
  return addStoreOption(
    new Command("serve")
      .description(SERVE_DESCRIPTION)
      .option(
        "--listen <host:port>",
        "where to listen (other than loopback: --token-file)",
        DEFAULT_LISTEN,
      )
      .option("--consul <url>", "Consul agent HTTP address: adds the Apps page")
      .option("--token-file <file>", "require HTTP basic auth with this file's token as password")
      .option("--tls-cert <file>", "serve HTTPS with this certificate chain (PEM)")
      .option("--tls-key <file>", "and this private key (PEM)")
      .option(
        "--notify <json-argv>",
        'run this command (a JSON array: ["/path/cmd", "arg"]) with each rollout event as ' +
          "JSON on its standard input, once across every serve of the cluster",
      )
      .option("--notify-backoff <seconds>", "first retry delay of a failed --notify", "1")
      .addHelpText(
        "after",
        `
Pages: / (overview: cluster version and state, a picture of each host's convergence, the
hosts table, role locks; live), /apps (with --consul). API: /api/status (the document of
status --json), /api/events (server-sent events). Nothing here changes the cluster.
Events for --notify: started, all-stop, converged, resumed. See docs/serve.md.`,
      ),
  ).action(runServe);
}

async function runServe(opts: ServeOptions): Promise<void> {
  const log = createLogger({ format: parseLogFormat(opts.logFormat ?? "text") });
  const listen = parseListen(opts.listen);
  const { warnings } = checkListenOptions(listen, opts);
  let argv: string[] | undefined;
  try {
    argv = opts.notify === undefined ? undefined : parseNotifyArgv(opts.notify);
  } catch (error) {
    throw new CliError(message(error), 2);
  }
  const backoff = Number(opts.notifyBackoff);
  if (!Number.isFinite(backoff) || backoff < 0) {
    throw new CliError("--notify-backoff: expected seconds (>= 0)", 2);
  }
  const token = opts.tokenFile === undefined ? undefined : await readToken(opts.tokenFile);
  const readPem = async (option: string, file: string) => {
    try {
      return await Deno.readTextFile(file);
    } catch (error) {
      throw new CliError(`${option} ${file}: ${message(error)}`);
    }
  };
  const tls = opts.tlsCert === undefined ? undefined : {
    cert: await readPem("--tls-cert", opts.tlsCert),
    key: await readPem("--tls-key", opts.tlsKey!),
  };
  let consulUrl: string | undefined;
  if (opts.consul !== undefined) {
    if (!/^https?:\/\/[^\s/]+\/?$/.test(opts.consul)) {
      throw new CliError(`--consul: expected http(s)://HOST:PORT, not ${opts.consul}`, 2);
    }
    consulUrl = opts.consul;
  }
  const store = await openStoreForCli(opts.store, { mustExist: true, readOnly: !argv });
  const feed = new StatusFeed(store, { warn: (text) => log.warning(text) });
  await feed.start();
  const notifier = argv === undefined
    ? undefined
    : new Notifier(store, log, { argv, backoffMs: backoff * 1000 });
  notifier?.start(feed);
  const consul = consulUrl === undefined
    ? undefined
    : new (await import("../../handler/consul.ts")).HttpConsul(consulUrl, 10_000);
  const closing = new AbortController();
  const handler = makeHandler({
    store,
    closing: closing.signal,
    feed,
    token,
    apps: consul === undefined ? undefined : () => readApps(consul),
  });
  for (const warning of warnings) log.warning(warning);
  const server = Deno.serve({
    hostname: listen.hostname,
    port: listen.port,
    ...tls,
    onListen: ({ hostname, port }) => {
      const host = hostname.includes(":") ? `[${hostname}]` : hostname;
      log.info(`serve: ${tls ? "https" : "http"}://${host}:${port}/ (store ${store.description})`);
      if (argv) log.info(`serve: notifying rollout events through ${JSON.stringify(argv)}`);
    },
  }, handler);
  const stop = () => {
    closing.abort();
    void server.shutdown();
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  try {
    await server.finished;
  } finally {
    Deno.removeSignalListener("SIGINT", stop);
    Deno.removeSignalListener("SIGTERM", stop);
    await notifier?.stop();
    feed.stop();
    consul?.close();
    await store.close();
    log.info("serve: stopped");
  }
}
