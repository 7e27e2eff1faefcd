/**
 * The `--store` and `--log-format` options every command that touches the cluster takes.
 *
 * @module
 */
import { type Command, Option } from "commander";

/** The default ZooKeeper connect string. */
export const DEFAULT_STORE = "127.0.0.1:2181";

/** Adds `--store CONNECT` (default `$CLUSTERDEPLOY_STORE` or 127.0.0.1:2181). */
export function addStoreOption(command: Command): Command {
  return command.option(
    "--store <connect>",
    "ZooKeeper connect string host:port[,host:port][/chroot], or file:PATH for the embedded store",
    Deno.env.get("CLUSTERDEPLOY_STORE") ?? DEFAULT_STORE,
  );
}

/** Adds `--log-format text|json`. */
export function addLogFormatOption(command: Command): Command {
  return command.addOption(
    new Option("--log-format <format>", "log as text lines or JSON lines")
      .choices(["text", "json"]).default("text"),
  );
}
