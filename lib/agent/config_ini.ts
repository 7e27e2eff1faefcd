/**
 * The INI reading of the agent's configuration file (`agent --config FILE`), as the reference's
 * Python 2 `ConfigParser` reads it, for one section:
 * - `[section]` headers; only the wanted section is kept, the others are skipped;
 * - blank lines, and lines whose first character is `#` or `;`, are ignored (anywhere, also
 *   between continuation lines);
 * - `name = value` or `name: value` (the name ends at the first `=` or `:`; names are lowercased;
 *   the value is trimmed; in the value, a `;` preceded by whitespace starts a comment);
 * - a line starting with whitespace continues the previous value: its trimmed text is added on a
 *   new line.
 *
 * Anything else (an option before any section, a line that is none of these) is an error naming
 * the file and line.
 *
 * @module
 */

/** A configuration file that cannot be read as INI. */
export class ConfigSyntaxError extends Error {
  /** Makes the error. */
  constructor(message: string) {
    super(message);
    this.name = "ConfigSyntaxError";
  }
}

const SECTION = /^\[([^\]]+)\]/;
const OPTION = /^([^:=\s][^:=]*?)\s*[:=]\s*(.*)$/;

/** The options of `section` in `text` (from `file`, for messages): name → raw value. */
export function readIniSection(text: string, file: string, section: string): Map<string, string> {
  const options = new Map<string, string>();
  let current: string | null = null;
  let last: string | null = null;
  const lines = text.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    const where = `${file}:${index + 1}`;
    if (line.trim() === "" || line[0] === "#" || line[0] === ";") continue;
    if (/^\s/.test(line)) {
      if (current === null || last === null) {
        throw new ConfigSyntaxError(`${where}: a continuation line without an option before it`);
      }
      if (current === section) options.set(last, `${options.get(last)}\n${line.trim()}`);
      continue;
    }
    const header = SECTION.exec(line);
    if (header !== null) {
      current = header[1];
      last = null;
      continue;
    }
    const option = OPTION.exec(line);
    if (option === null) {
      throw new ConfigSyntaxError(`${where}: not a [section], name = value or comment line`);
    }
    if (current === null) {
      throw new ConfigSyntaxError(`${where}: an option before the first [section]`);
    }
    last = option[1].toLowerCase();
    if (current === section) options.set(last, stripComment(option[2]).trim());
  }
  return options;
}

/** A value without its trailing ` ; comment` (`;` preceded by whitespace). */
function stripComment(value: string): string {
  const match = /\s;/.exec(value);
  return match === null ? value : value.slice(0, match.index);
}
