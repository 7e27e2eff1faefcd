/**
 * Caddyfile (Caddy 1) fragments as the services carry them in `CADDYFILE`: parsing into site
 * blocks, the directives the front proxy needs forced onto every site, and printing back.
 *
 * Syntax accepted, as Caddy's own lexer and parser: tokens split on white space; a token that
 * starts with `"` runs to the next unescaped `"` (it may hold spaces, `{`, `}`, newlines; `\"` is a
 * quote); `#` starts a comment outside quotes; a site is its addresses (separated by commas and
 * spaces, a trailing comma continues them on the next line) then `{` at the end of the line; a
 * directive may open a block of subdirectives with `{` at the end of its line; `}` stands on a line
 * of its own; blocks nest two levels at most. An unquoted token ending in `{` (`foo{`) is an error,
 * as in Caddy.
 *
 * @module
 */

/** A directive: its words, and its block of subdirectives when it has one. */
export interface Directive {
  /** The directive's name and arguments. */
  args: string[];
  /** Its subdirectives (each a list of words), when it opens a block. */
  block?: string[][];
}

/** A site block. */
export interface Site {
  /** Its addresses, e.g. `https://a.example.com`. */
  keys: string[];
  /** Its directives. */
  directives: Directive[];
}

/** A Caddyfile error; the message starts with `line N:`. */
export class CaddyfileError extends Error {
  /** Line of the error (1-based). */
  readonly line: number;

  /** Makes `line <line>: <message>`. */
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = "CaddyfileError";
    this.line = line;
  }
}

interface Token {
  text: string;
  line: number;
  quoted: boolean;
}

/** Splits Caddyfile text into tokens, each with the line it starts on. */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "\n") {
      line++;
      i++;
    } else if (c === " " || c === "\t" || c === "\r" || c === "\f" || c === "\v") {
      i++;
    } else if (c === "#") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (c === '"') {
      const start = line;
      let value = "";
      i++;
      while (true) {
        if (i >= text.length) throw new CaddyfileError(start, "unterminated quoted argument");
        const d = text[i];
        if (d === "\\" && text[i + 1] === '"') {
          value += '"';
          i += 2;
          continue;
        }
        i++;
        if (d === '"') break;
        if (d === "\n") line++;
        value += d;
      }
      tokens.push({ text: value, line: start, quoted: true });
    } else {
      let value = "";
      while (i < text.length && !/\s/.test(text[i])) {
        if (text[i] === "#") {
          while (i < text.length && text[i] !== "\n") i++;
          break;
        }
        value += text[i++];
      }
      if (value.length > 1 && value.endsWith("{")) {
        throw new CaddyfileError(
          line,
          `'${value}': '{' must be separated from what comes before it by a space`,
        );
      }
      tokens.push({ text: value, line, quoted: false });
    }
  }
  return tokens;
}

/** Groups tokens by the line they start on. */
function lines(tokens: Token[]): Token[][] {
  const out: Token[][] = [];
  for (const token of tokens) {
    const last = out.at(-1);
    if (last !== undefined && last[0].line === token.line) last.push(token);
    else out.push([token]);
  }
  return out;
}

const isOpen = (t: Token | undefined) => t !== undefined && !t.quoted && t.text === "{";
const isClose = (t: Token | undefined) => t !== undefined && !t.quoted && t.text === "}";

/** Parses a Caddyfile fragment into its sites; throws {@linkcode CaddyfileError}. */
export function parseCaddyfile(text: string): Site[] {
  const rows = lines(tokenize(text));
  const sites: Site[] = [];
  let r = 0;
  const misplaced = (row: Token[]) => {
    for (const [k, t] of row.entries()) {
      if (isOpen(t) && k !== row.length - 1) {
        throw new CaddyfileError(t.line, "'{' must end its line");
      }
      if (isClose(t) && row.length !== 1) {
        throw new CaddyfileError(t.line, "'}' must be on a line of its own");
      }
    }
  };
  while (r < rows.length) {
    const first = rows[r][0].line;
    const keys: string[] = [];
    let row = rows[r++];
    misplaced(row);
    while (!isOpen(row.at(-1)) && row.at(-1)!.text.endsWith(",") && r < rows.length) {
      keys.push(...row.map((t) => t.text));
      row = rows[r++];
      misplaced(row);
    }
    if (!isOpen(row.at(-1))) {
      throw new CaddyfileError(
        row[0].line,
        "expected a site block: its addresses, then '{' at the end of the line",
      );
    }
    keys.push(...row.slice(0, -1).map((t) => t.text));
    const addresses = keys.flatMap((k) => k.split(",")).map((k) => k.trim()).filter((k) => k);
    if (addresses.length === 0) throw new CaddyfileError(first, "a site block needs an address");
    const directives: Directive[] = [];
    while (true) {
      if (r >= rows.length) throw new CaddyfileError(first, "site block not closed by '}'");
      const d = rows[r++];
      misplaced(d);
      if (isClose(d[0])) break;
      if (!isOpen(d.at(-1))) {
        directives.push({ args: d.map((t) => t.text) });
        continue;
      }
      if (d.length === 1) {
        throw new CaddyfileError(d[0].line, "a block needs a directive before '{'");
      }
      const block: string[][] = [];
      while (true) {
        if (r >= rows.length) throw new CaddyfileError(d[0].line, "block not closed by '}'");
        const s = rows[r++];
        misplaced(s);
        if (isClose(s[0])) break;
        if (isOpen(s.at(-1))) {
          throw new CaddyfileError(s[0].line, "blocks are not allowed inside a subdirective");
        }
        block.push(s.map((t) => t.text));
      }
      directives.push({ args: d.slice(0, -1).map((t) => t.text), block });
    }
    sites.push({ keys: addresses, directives });
  }
  return sites;
}

/** A word as printed: quoted (with `\"`) when it would not read back as one word. */
function word(text: string): string {
  if (text !== "" && !/[\s"#]/.test(text) && !text.endsWith("{") && text !== "}") return text;
  return `"${text.replaceAll('"', '\\"')}"`;
}

/** Prints sites back as Caddyfile text (four-space indents, one site after the other). */
export function formatCaddyfile(sites: Site[]): string {
  return sites.map((site) => {
    const out = [`${site.keys.join(", ")} {`];
    for (const d of site.directives) {
      const head = d.args.map(word).join(" ");
      if (d.block === undefined) {
        out.push(`    ${head}`);
        continue;
      }
      out.push(`    ${head} {`);
      for (const sub of d.block) out.push(`        ${sub.map(word).join(" ")}`);
      out.push("    }");
    }
    out.push("}");
    return out.join("\n");
  }).join("\n");
}

/** The log format of an https site (the front only passes TLS through: the combined format). */
export const HTTPS_LOG = "{hostonly} - {combined}";
/** The log format of an http site (the client's address is HAProxy's X-Forwarded-For). */
export const HTTP_LOG = '{hostonly} - {>X-Forwarded-For} - {user} [{when}] "{method} {uri} ' +
  '{proto}" {status} {size} "{>Referer}" "{>User-Agent}"';

/** The subdirectives forced into every `proxy` block of a site. */
export function forcedProxy(https: boolean): string[][] {
  return [
    ["websocket"],
    ["insecure_skip_verify"],
    ...(https ? [["transparent"]] : [
      ["header_upstream", "Host", "{host}"],
      ["header_upstream", "X-Real-IP", "{remote}"],
      ["header_upstream", "X-Forwarded-Proto", "{scheme}"],
    ]),
  ];
}

/** Whether two subdirectives set the same thing (same name; same header for `header_upstream`). */
function sameSetting(a: string[], b: string[]): boolean {
  if (a[0] !== b[0]) return false;
  return a[0] !== "header_upstream" || a[1]?.toLowerCase() === b[1]?.toLowerCase();
}

/**
 * The site with the directives the front needs: `gzip` and `timeouts 300s` unless the site sets
 * them, its `log` replaced by `log / stdout <format>`, and in every `proxy` block `websocket`,
 * `insecure_skip_verify`, then `transparent` (a site whose first address is https://) or
 * `header_upstream Host {host}`, `X-Real-IP {remote}`, `X-Forwarded-Proto {scheme}` (http):
 * these replace the site's own subdirectives of the same name (and header), the others are kept.
 */
export function withFrontDefaults(site: Site): Site {
  const https = site.keys[0].toLowerCase().startsWith("https://");
  const forced = forcedProxy(https);
  const directives: Directive[] = site.directives
    .filter((d) => d.args[0] !== "log")
    .map((d) => {
      if (d.args[0] !== "proxy") return d;
      const kept = (d.block ?? []).filter((sub) => !forced.some((f) => sameSetting(sub, f)));
      return { args: d.args, block: [...kept, ...forced] };
    });
  const has = (name: string) => directives.some((d) => d.args[0] === name);
  if (!has("gzip")) directives.push({ args: ["gzip"] });
  if (!has("timeouts")) directives.push({ args: ["timeouts", "300s"] });
  directives.push({ args: ["log", "/", "stdout", https ? HTTPS_LOG : HTTP_LOG] });
  return { keys: site.keys, directives };
}

/** The host of a site address (`https://A.example.com:8443/x` → `a.example.com`), or "". */
export function siteHost(address: string): string {
  let rest = address.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "");
  rest = rest.split("/")[0];
  if (rest.startsWith("[")) return rest.slice(0, rest.indexOf("]") + 1).toLowerCase();
  return rest.replace(/:\d*$/, "").toLowerCase();
}
