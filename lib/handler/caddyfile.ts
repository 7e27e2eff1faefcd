/**
 * Caddyfile (Caddy 1) fragments as the services carry them in `CADDYFILE`: parsing into site
 * blocks, the directives the front proxy needs forced onto every site, and printing back.
 *
 * Syntax accepted, as Caddy's own lexer and parser: tokens split on white space (Go's, see
 * {@linkcode isCaddySpace}; a leading byte order mark is dropped); a token that
 * starts with `"` runs to the next unescaped `"` (it may hold spaces, `{`, `}`, newlines; `\"` is a
 * quote); `#` starts a comment outside quotes; a site is its addresses (separated by commas and
 * spaces, a trailing comma continues them on the next line) then `{` at the end of the line; a
 * directive may open a block of subdirectives with `{` at the end of its line; `}` stands on a line
 * of its own; blocks nest two levels at most. An unquoted token ending in `{` (`foo{`) is an error,
 * as in Caddy. A site address holding an invisible character (a space, a control or format
 * character such as U+FEFF or U+200B) is refused. Parsing takes time and memory linear in the text,
 * whatever the text.
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

/**
 * Whether `c` (one UTF-16 code unit) separates tokens: the white space of Go's `unicode.IsSpace`,
 * which Caddy's lexer uses — `\t \n \v \f \r`, space, U+0085, U+00A0, U+1680, U+2000–U+200A,
 * U+2028, U+2029, U+202F, U+205F, U+3000. Not JavaScript's `\s`: that one also holds U+FEFF,
 * which Caddy reads as part of a token (format characters such as U+200B and U+180E too).
 * Tokenizing, trimming and printing all use this one rule.
 */
export function isCaddySpace(c: string): boolean {
  const code = c.charCodeAt(0);
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0x85) return false;
  return code === 0x85 || code === 0xa0 || code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 ||
    code === 0x202f || code === 0x205f || code === 0x3000;
}

/** `text` without the {@linkcode isCaddySpace} white space at both ends. */
function trimSpace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isCaddySpace(text[start])) start++;
  while (end > start && isCaddySpace(text[end - 1])) end--;
  return text.slice(start, end);
}

/**
 * Splits Caddyfile text into tokens, each with the line it starts on. Every turn of the loop
 * consumes at least one character, so it ends, in time linear in the text. A byte order mark
 * (U+FEFF) at the very start is dropped, as Caddy's lexer does.
 */
function tokenize(input: string): Token[] {
  const text = input.startsWith("\uFEFF") ? input.slice(1) : input;
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "\n") {
      line++;
      i++;
    } else if (isCaddySpace(c)) {
      i++;
    } else if (c === "#") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (c === '"') {
      const start = line;
      const parts: string[] = [];
      let from = ++i;
      while (true) {
        if (i >= text.length) throw new CaddyfileError(start, "unterminated quoted argument");
        const d = text[i];
        if (d === "\\" && text[i + 1] === '"') {
          parts.push(text.slice(from, i), '"');
          i += 2;
          from = i;
          continue;
        }
        if (d === '"') break;
        if (d === "\n") line++;
        i++;
      }
      parts.push(text.slice(from, i));
      i++; // the closing quote
      tokens.push({ text: parts.join(""), line: start, quoted: true });
    } else {
      const from = i;
      while (i < text.length && !isCaddySpace(text[i]) && text[i] !== "#") i++;
      const value = text.slice(from, i);
      if (value.length > 1 && value.endsWith("{")) {
        throw new CaddyfileError(
          line,
          `${shownWord(value)}: '{' must be separated from what comes before it by a space`,
        );
      }
      tokens.push({ text: value, line, quoted: false });
    }
  }
  return tokens;
}

/** A token quoted for an error message, cut at 60 characters. */
function shownWord(text: string): string {
  return `'${text.length > 60 ? `${text.slice(0, 57)}...` : text}'`;
}

/** An invisible character a site address must not hold: a space, a control or format one. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Z}]/u;

/** Refuses a site address holding an invisible character (its hosts become HAProxy's backends). */
function checkAddress(address: string, line: number): void {
  const bad = INVISIBLE.exec(address);
  if (bad === null) return;
  const hex = (c: string) => c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
  const shown = address.replace(new RegExp(INVISIBLE.source, "gu"), (c) => `\\u${hex(c)}`);
  throw new CaddyfileError(
    line,
    `site address '${shown}' holds the invisible character U+${hex(bad[0])}: remove it`,
  );
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
    const keys: Token[] = [];
    let row = rows[r++];
    misplaced(row);
    while (!isOpen(row.at(-1)) && row.at(-1)!.text.endsWith(",") && r < rows.length) {
      for (const t of row) keys.push(t);
      row = rows[r++];
      misplaced(row);
    }
    if (!isOpen(row.at(-1))) {
      throw new CaddyfileError(
        row[0].line,
        "expected a site block: its addresses, then '{' at the end of the line",
      );
    }
    for (const t of row.slice(0, -1)) keys.push(t);
    const addresses: string[] = [];
    for (const key of keys) {
      for (const part of key.text.split(",")) {
        const address = trimSpace(part);
        if (address === "") continue;
        checkAddress(address, key.line);
        addresses.push(address);
      }
    }
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

/**
 * A word as printed: as it is when it reads back as that one unquoted word, else quoted (`"`
 * as `\"`): empty, white space ({@linkcode isCaddySpace}) or `#` in it, a leading `"`, a
 * trailing `{`, or `}` alone.
 */
function word(text: string): string {
  let plain = text !== "" && !text.startsWith('"') && !text.endsWith("{") && text !== "}";
  for (let i = 0; plain && i < text.length; i++) {
    if (isCaddySpace(text[i]) || text[i] === "#") plain = false;
  }
  return plain ? text : `"${text.replaceAll('"', '\\"')}"`;
}

/** Prints sites back as Caddyfile text (four-space indents, one site after the other). */
export function formatCaddyfile(sites: Site[]): string {
  return sites.map((site) => {
    const out = [`${site.keys.map(word).join(", ")} {`];
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
