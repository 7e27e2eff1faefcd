/**
 * A store that passes every call to another: the base of wrappers that change or watch a few
 * calls (reads retried across a lost connection, reads counted in tests) and leave the rest as
 * the wrapped store does them.
 *
 * @module
 */
import type {
  CreateOptions,
  EphemeralHandle,
  Lock,
  ReadOptions,
  SessionState,
  Store,
  StoredNode,
  StoreOp,
  WatchOptions,
} from "./types.ts";

/** A {@linkcode Store} whose every call goes to `inner`; subclasses override what they change. */
export class DelegatingStore implements Store {
  /** The wrapped store. */
  protected readonly inner: Store;

  /** Wraps `inner`; `close` closes it. */
  constructor(inner: Store) {
    this.inner = inner;
  }

  /** The wrapped store's description. */
  get description(): string {
    return this.inner.description;
  }

  /** The wrapped store's. */
  get maxMultiBytes(): number {
    return this.inner.maxMultiBytes;
  }

  /** As the wrapped store's. */
  get(path: string, options?: ReadOptions): Promise<StoredNode | null> {
    return this.inner.get(path, options);
  }

  /** As the wrapped store's. */
  getMany(paths: readonly string[], options?: ReadOptions): Promise<(StoredNode | null)[]> {
    return this.inner.getMany(paths, options);
  }

  /** As the wrapped store's. */
  create(path: string, data: string, options?: CreateOptions): Promise<string> {
    return this.inner.create(path, data, options);
  }

  /** As the wrapped store's. */
  set(path: string, data: string, version?: number): Promise<void> {
    return this.inner.set(path, data, version);
  }

  /** As the wrapped store's. */
  delete(path: string, version?: number): Promise<void> {
    return this.inner.delete(path, version);
  }

  /** As the wrapped store's. */
  multi(ops: readonly StoreOp[]): Promise<void> {
    return this.inner.multi(ops);
  }

  /** As the wrapped store's. */
  watch(
    path: string,
    onChange: (node: StoredNode | null) => void,
    options?: WatchOptions,
  ): () => void {
    return this.inner.watch(path, onChange, options);
  }

  /** As the wrapped store's. */
  onState(listener: (state: SessionState) => void): () => void {
    return this.inner.onState(listener);
  }

  /** As the wrapped store's. */
  ephemeral(path: string, data: string): Promise<EphemeralHandle> {
    return this.inner.ephemeral(path, data);
  }

  /** As the wrapped store's. */
  tryLock(name: string): Promise<Lock | null> {
    return this.inner.tryLock(name);
  }

  /** Closes the wrapped store. */
  close(): Promise<void> {
    return this.inner.close();
  }
}
