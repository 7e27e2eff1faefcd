/**
 * The message of any thrown value, for logs and errors.
 *
 * @module
 */

/** The message of an unknown thrown value (`String(value)` when it is not an Error). */
export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
