/**
 * Characters that JavaScript's `\s` and Go's `unicode.IsSpace` (Caddy's) do not agree on, or
 * that look like white space without being it: the fuzzers insert them into their inputs.
 *
 * @module
 */

/** Unicode white space, format and odd control characters. */
export const UNICODE_ODDITIES: readonly string[] = [
  "\uFEFF", // zero width no-break space, byte order mark (JS \s: yes; Go: no)
  "\u200B", // zero width space (format)
  "\u00A0", // no-break space
  "\u2028", // line separator
  "\u2029", // paragraph separator
  "\u3000", // ideographic space
  "\u180E", // Mongolian vowel separator (format since Unicode 6.3)
  "\u0085", // next line (Go: space; JS \s: no)
  "\u1680", // ogham space mark
  "\u2007", // figure space
  "\u202F", // narrow no-break space
  "\u205F", // medium mathematical space
  "\u2060", // word joiner
  "\u200D", // zero width joiner
  "\v",
  "\f",
  "\r",
];
