/**
 * Capturing what code prints as warnings and errors, so tests can check it printed nothing (or
 * what it printed).
 *
 * @module
 */

/** Runs `fn` with console.warn and console.error captured; returns what they printed. */
export function quiet(fn: () => void): string[] {
  const printed: string[] = [];
  const { warn, error } = console;
  console.warn = (...args: unknown[]) => printed.push(args.join(" "));
  console.error = (...args: unknown[]) => printed.push(args.join(" "));
  try {
    fn();
  } finally {
    console.warn = warn;
    console.error = error;
  }
  return printed;
}
