/**
 * The durable record of the event IDs handled on this node: one ID a line in a file of the
 * deploy directory, appended and synced to disk before the event is acted on, under an exclusive
 * file lock so that two handlers never both claim an event.
 *
 * @module
 */

/** The record file's name in the deploy directory. */
export const HANDLED_FILE = "handled_events.log";

/** The record of handled events in `dir`. */
export class HandledEvents {
  /** The record file. */
  readonly path: string;

  /** The record kept in `dir` (the deploy directory). */
  constructor(dir: string) {
    this.path = `${dir.replace(/\/+$/, "")}/${HANDLED_FILE}`;
  }

  /** Whether `id` was handled (read-only; for test mode). */
  async has(id: string): Promise<boolean> {
    try {
      return ids(await Deno.readTextFile(this.path)).has(id);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return false;
      throw error;
    }
  }

  /**
   * Claims `id`: false if it was already recorded; otherwise records it durably (write + fsync)
   * and returns true.
   */
  async claim(id: string): Promise<boolean> {
    const file = await Deno.open(this.path, { read: true, append: true, create: true });
    try {
      await file.lock(true);
      const text = await Deno.readTextFile(this.path);
      if (ids(text).has(id)) return false;
      const prefix = text === "" || text.endsWith("\n") ? "" : "\n";
      await file.write(new TextEncoder().encode(`${prefix}${id}\n`));
      await file.syncData();
      return true;
    } finally {
      try {
        await file.unlock();
      } catch { /* closing releases it too */ }
      file.close();
    }
  }
}

function ids(text: string): Set<string> {
  return new Set(text.split("\n").map((line) => line.trim()).filter((line) => line !== ""));
}
