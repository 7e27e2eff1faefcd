/**
 * The child of `bounded_parse.ts`: runs one parser job and prints its outcome as one JSON line.
 * Modes: `compose` (standard input is a docker-compose.yml: its URLs, or the ComposeError),
 * `caddyfile` (standard input is a Caddyfile fragment: its sites, or the CaddyfileError),
 * `fuzz-caddyfile SEED COUNT` (the Caddyfile properties on seeded inputs: the failures).
 *
 * @module
 */
import { CaddyfileError, parseCaddyfile } from "../../../lib/handler/caddyfile.ts";
import { ComposeError, parseCompose } from "../../../lib/handler/compose.ts";
import { fuzzCaddyfile } from "./caddyfile_fuzz.ts";

const [mode, ...rest] = Deno.args;
const input = async () => await new Response(Deno.stdin.readable).text();
const print = (value: unknown) => console.log(JSON.stringify(value));

if (mode === "compose") {
  try {
    print({ urls: parseCompose(await input(), "p", "docker-compose.yml").urls });
  } catch (error) {
    if (!(error instanceof ComposeError)) throw error;
    print({ error: error.message });
  }
} else if (mode === "caddyfile") {
  try {
    print({ sites: parseCaddyfile(await input()) });
  } catch (error) {
    if (!(error instanceof CaddyfileError)) throw error;
    print({ error: error.message });
  }
} else if (mode === "fuzz-caddyfile") {
  print({ failures: fuzzCaddyfile(Number(rest[0]), Number(rest[1])).slice(0, 3) });
} else {
  console.error(`unknown mode ${mode}`);
  Deno.exit(2);
}
