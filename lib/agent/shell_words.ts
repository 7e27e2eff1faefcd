/**
 * Splitting a command line like a POSIX shell, without running one (the reference's
 * `shlex.split`): words are separated by whitespace (newlines included); `'…'` quotes literally;
 * `"…"` quotes with `\` escaping `\ " $` and a backquote; a `\` outside quotes escapes the next
 * character. No expansion of any kind, no comments. The agent's `after` configuration setting.
 *
 * @module
 */

/** Splits `text` into words; throws on an unterminated quote or a trailing `\`. */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let i = 0;
  const add = (s: string) => word = (word ?? "") + s;
  while (i < text.length) {
    const ch = text[i];
    if (/\s/.test(ch)) {
      if (word !== null) words.push(word);
      word = null;
      i++;
    } else if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      if (end === -1) throw new Error("No closing quotation (')");
      add(text.slice(i + 1, end));
      i = end + 1;
    } else if (ch === '"') {
      let part = "";
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('No closing quotation (")');
        const c = text[i];
        if (c === '"') break;
        if (c === "\\" && i + 1 < text.length && '\\"$`'.includes(text[i + 1])) {
          part += text[i + 1];
          i += 2;
        } else {
          part += c;
          i++;
        }
      }
      add(part);
      i++;
    } else if (ch === "\\") {
      if (i + 1 >= text.length) throw new Error("No escaped character after '\\'");
      if (text[i + 1] !== "\n") add(text[i + 1]);
      i += 2;
    } else {
      add(ch);
      i++;
    }
  }
  if (word !== null) words.push(word);
  return words;
}
