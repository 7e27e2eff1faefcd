/**
 * The handler's defaults and names that its command line shows (a module of its own, so
 * `handler --help` shows them without loading Consul, YAML and the planning).
 *
 * @module
 */

/** The volume driver whose named volumes are snapshotted and replicated. */
export const BUTTERVOLUME_DRIVER = "anybox/buttervolume:latest";

/** The event names the handler knows. */
export const EVENT_NAMES = ["deploy", "destroy", "migrate"] as const;

/** The default agent address: `$CONSUL_HTTP_ADDR` or `http://127.0.0.1:8500`. */
export function defaultConsulUrl(): string {
  const env = Deno.env.get("CONSUL_HTTP_ADDR");
  if (env === undefined || env === "") return "http://127.0.0.1:8500";
  return env.includes("://") ? env : `http://${env}`;
}
