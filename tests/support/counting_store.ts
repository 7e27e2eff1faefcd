/**
 * A store that counts what is read through it: read calls (`get`, `getMany`) and the paths they
 * name, so tests can check how much a reader reads (not how long it takes).
 *
 * @module
 */
import type {
  EphemeralHandle,
  Lock,
  SessionState,
  Store,
  StoredNode,
  StoreOp,
  WatchOptions,
} from "../../lib/store/types.ts";

/** A {@linkcode Store} that passes everything to another and counts the reads. */
export class CountingStore implements Store {
  readonly #inner: Store;
  /** Read calls made (`get` or `getMany`), each with the paths it named. */
  readonly reads: string[][] = [];

  /** Wraps `inner`. */
  constructor(inner: Store) {
    this.#inner = inner;
  }

  /** Forgets the reads counted so far. */
  reset(): void {
    this.reads.length = 0;
  }

  /** The paths read so far, in order. */
  get paths(): string[] {
    return this.reads.flat();
  }

  /** See {@linkcode Store.description}. */
  get description(): string {
    return this.#inner.description;
  }
  /** See {@linkcode Store.maxMultiBytes}. */
  get maxMultiBytes(): number {
    return this.#inner.maxMultiBytes;
  }
  /** Counted. */
  get(path: string): Promise<StoredNode | null> {
    this.reads.push([path]);
    return this.#inner.get(path);
  }
  /** Counted. */
  getMany(paths: readonly string[]): Promise<(StoredNode | null)[]> {
    this.reads.push([...paths]);
    return this.#inner.getMany(paths);
  }
  /** Passed on. */
  create(path: string, data: string, options?: { ephemeral?: boolean; parents?: boolean }) {
    return this.#inner.create(path, data, options);
  }
  /** Passed on. */
  set(path: string, data: string, version?: number): Promise<void> {
    return this.#inner.set(path, data, version);
  }
  /** Passed on. */
  delete(path: string, version?: number): Promise<void> {
    return this.#inner.delete(path, version);
  }
  /** Passed on. */
  multi(ops: readonly StoreOp[]): Promise<void> {
    return this.#inner.multi(ops);
  }
  /** Passed on. */
  watch(
    path: string,
    onChange: (node: StoredNode | null) => void,
    options?: WatchOptions,
  ): () => void {
    return this.#inner.watch(path, onChange, options);
  }
  /** Passed on. */
  onState(listener: (state: SessionState) => void): () => void {
    return this.#inner.onState(listener);
  }
  /** Passed on. */
  ephemeral(path: string, data: string): Promise<EphemeralHandle> {
    return this.#inner.ephemeral(path, data);
  }
  /** Passed on. */
  tryLock(name: string): Promise<Lock | null> {
    return this.#inner.tryLock(name);
  }
  /** Passed on. */
  close(): Promise<void> {
    return this.#inner.close();
  }
}
