/**
 * A store that counts what is read through it: read calls (`get`, `getMany`) and the paths they
 * name, so tests can check how much a reader reads (not how long it takes).
 *
 * @module
 */
import { DelegatingStore } from "../../../lib/store/delegating.ts";
import type { ReadOptions, StoredNode } from "../../../lib/store/types.ts";

/** A {@linkcode Store} that passes everything to another and counts the reads. */
export class CountingStore extends DelegatingStore {
  /** Read calls made (`get` or `getMany`), each with the paths it named. */
  readonly reads: string[][] = [];

  /** Forgets the reads counted so far. */
  reset(): void {
    this.reads.length = 0;
  }

  /** The paths read so far, in order. */
  get paths(): string[] {
    return this.reads.flat();
  }

  /** Counted. */
  override get(path: string, options?: ReadOptions): Promise<StoredNode | null> {
    this.reads.push([path]);
    return super.get(path, options);
  }

  /** Counted. */
  override getMany(
    paths: readonly string[],
    options?: ReadOptions,
  ): Promise<(StoredNode | null)[]> {
    this.reads.push([...paths]);
    return super.getMany(paths, options);
  }
}
