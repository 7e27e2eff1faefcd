/**
 * `handler`: the Consul watch event handler (see lib/handler/cli.ts).
 *
 * @module
 */
import { handlerCommand } from "./lib/handler/cli.ts";

if (import.meta.main) {
  await handlerCommand().parseAsync(Deno.args, { from: "user" });
}
