/**
 * Keyed index recipe: a snapshot of one small text per key, written in generations so that a
 * reader sees one whole snapshot or knows it did not, on any {@linkcode Store}.
 *
 * Layout below the index root (`/deployment-index` for the deployment index):
 *
 * ```
 * <root>                  head: JSON {format, valid, generation, digest, tag[, reason]}
 * <root>/<gen>            one generation (its existence is checked after reading its keys)
 * <root>/<gen>/<key>      "<parts>\n<first chunk>"
 * <root>/<gen>/<key>/<i>  chunk i (1 ≤ i < parts), for texts longer than one chunk
 * ```
 *
 * A writer creates a new generation, then points the head at it (with a version check), then
 * deletes generations older than the previous one; when the texts are unchanged (same digest)
 * it only retags the head. Readers read the head, then the keys of its generation with the
 * generation node itself last: ZooKeeper serves one session's requests in order and older
 * generations are deleted children first, so when the generation node is still there, a key
 * read as missing really had no text. The `tag` is the caller's proof of what the snapshot is
 * for (the deployment index: the cluster version and the `/hosts` data version it was made
 * for); `valid: false` marks a snapshot that must not be used until the next write.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { readTree } from "../tree_io.ts";
import type { Store, StoredNode, StoreOp } from "../types.ts";
import type { TreeNode, Value } from "../../tree/model.ts";

/** Characters per chunk: a chunk's UTF-8 bytes stay far below ZooKeeper's 1 MB packet limit. */
export const CHUNK_CHARS = 64 * 1024;

/** The head of an index. */
export interface IndexHead {
  /** Layout version (1). */
  format: 1;
  /** False once something invalidated it (until the next write). */
  valid: boolean;
  /** The generation node's name. */
  generation: string;
  /** SHA-256 of the keys and texts. */
  digest: string;
  /** What the snapshot was made for (the caller's). */
  tag: { [key: string]: Value };
  /** Why it was invalidated. */
  reason?: string;
  /** The head node's data version (not stored). */
  stat: number;
}

/** Whether `key` can name a node of its own (one path segment, no control characters). */
export function isIndexKey(key: string): boolean {
  // deno-lint-ignore no-control-regex
  return key !== "" && key !== "." && key !== ".." && !/[/\u0000-\u001f\u007f]/.test(key);
}

/** The head stored in `node` (the index root), or why there is none usable. */
export function parseHead(node: StoredNode | null): IndexHead | string {
  if (node === null) return "no index";
  let head: unknown;
  try {
    head = JSON.parse(node.data);
  } catch {
    return "the index head is not JSON";
  }
  const h = head as Partial<IndexHead>;
  if (
    h === null || typeof h !== "object" || h.format !== 1 || typeof h.valid !== "boolean" ||
    typeof h.generation !== "string" || !isIndexKey(h.generation) ||
    typeof h.digest !== "string" || h.tag === null || typeof h.tag !== "object"
  ) {
    return "the index head has an unknown format";
  }
  return { ...(h as IndexHead), stat: node.version };
}

/** The digest of a snapshot (keys sorted). */
export function digestOf(texts: ReadonlyMap<string, string>): string {
  const hash = createHash("sha256");
  for (const key of [...texts.keys()].sort()) {
    hash.update(`${key.length}:${key}${texts.get(key)!.length}:`);
    hash.update(texts.get(key)!);
  }
  return hash.digest("hex");
}

/** Splits text into chunks of at most `size` characters, never inside a surrogate pair. */
export function chunkText(text: string, size = CHUNK_CHARS): string[] {
  const chunks: string[] = [];
  let at = 0;
  do {
    let end = Math.min(text.length, at + Math.max(2, size));
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    chunks.push(text.slice(at, end));
    at = end;
  } while (at < text.length);
  return chunks;
}

function encodeHead(head: Omit<IndexHead, "stat">): string {
  const { format, valid, generation, digest, tag, reason } = head;
  return JSON.stringify(
    reason === undefined
      ? { format, valid, generation, digest, tag }
      : { format, valid, generation, digest, tag, reason },
  );
}

/**
 * The operations that store `texts` (key → text) as the index at `root`, tagged `tag`: to be
 * applied in order (in as many transactions as needed). Throws for a key that cannot name a
 * node. Only the head set is version-checked: a concurrent invalidation makes it fail. `node`
 * is the root as just read, when the caller has read it (otherwise it is read here).
 */
export async function planIndexWrite(
  store: Store,
  root: string,
  texts: ReadonlyMap<string, string>,
  tag: { [key: string]: Value },
  chunkChars = CHUNK_CHARS,
  read?: StoredNode | null,
): Promise<StoreOp[]> {
  for (const key of texts.keys()) {
    if (!isIndexKey(key)) throw new Error(`cannot index the key ${JSON.stringify(key)}`);
  }
  const node = read === undefined ? await store.get(root) : read;
  const head = parseHead(node);
  const digest = digestOf(texts);
  const generations = node?.children ?? [];
  if (typeof head !== "string" && head.digest === digest && generations.includes(head.generation)) {
    const data = encodeHead({ ...head, valid: true, tag, reason: undefined });
    return [{ op: "set", path: root, data, version: head.stat }];
  }
  const numbers = generations.map(Number).filter(Number.isSafeInteger);
  const generation = String(Math.max(0, ...numbers) + 1);
  const ops: StoreOp[] = [];
  if (node === null) ops.push({ op: "create", path: root, data: "" });
  const gen = `${root}/${generation}`;
  ops.push({ op: "create", path: gen, data: "" });
  for (const key of [...texts.keys()].sort()) {
    const chunks = chunkText(texts.get(key)!, chunkChars);
    ops.push({ op: "create", path: `${gen}/${key}`, data: `${chunks.length}\n${chunks[0]}` });
    chunks.slice(1).forEach((chunk, i) => {
      ops.push({ op: "create", path: `${gen}/${key}/${i + 1}`, data: chunk });
    });
  }
  const data = encodeHead({ format: 1, valid: true, generation, digest, tag });
  ops.push(
    node === null
      ? { op: "set", path: root, data, version: 0 }
      : { op: "set", path: root, data, version: node.version },
  );
  const keep = typeof head === "string" ? undefined : head.generation;
  for (const old of generations) {
    if (old === keep) continue;
    const tree = await readTree(store, `${root}/${old}`).catch(() => null);
    if (tree !== null) ops.push(...deleteOps(tree, `${root}/${old}`));
  }
  return ops;
}

/** Deletes of a subtree, children before parents. */
function deleteOps(node: TreeNode, path: string): StoreOp[] {
  const ops: StoreOp[] = [];
  for (const child of node.children.values()) {
    ops.push(...deleteOps(child, `${path}/${child.name}`));
  }
  ops.push({ op: "delete", path });
  return ops;
}

/**
 * The operation that marks the index at `root` invalid (empty when there is no valid one),
 * version-checked against a concurrent write.
 */
export async function planIndexInvalidate(
  store: Store,
  root: string,
  reason: string,
): Promise<StoreOp[]> {
  const head = parseHead(await store.get(root, { dataOnly: true }));
  if (typeof head === "string" || !head.valid) return [];
  return [{
    op: "set",
    path: root,
    data: encodeHead({ ...head, valid: false, reason }),
    version: head.stat,
  }];
}

/**
 * Reads the texts of `keys` from the generation `head` points at: one `getMany` of the keys
 * with the generation node last (and one more for texts split in chunks). A key that cannot
 * name a node, or has no text, reads as null. Returns why not when the generation was
 * deleted meanwhile or a text is damaged.
 */
export async function readIndexKeys(
  store: Store,
  root: string,
  head: IndexHead,
  keys: readonly string[],
): Promise<Map<string, string | null> | string> {
  const gen = `${root}/${head.generation}`;
  const named = keys.filter(isIndexKey);
  // Data only: the generation node lists every key of the index (one per host, name and role).
  const nodes = await store.getMany([...named.map((key) => `${gen}/${key}`), gen], {
    dataOnly: true,
  });
  if (nodes[named.length] === null) return `index generation ${head.generation} is gone`;
  const texts = new Map<string, string | null>(keys.map((key) => [key, null]));
  const more: { key: string; parts: number; first: string }[] = [];
  for (const [i, key] of named.entries()) {
    const data = nodes[i]?.data;
    if (data === undefined) continue;
    const newline = data.indexOf("\n");
    const parts = Number(data.slice(0, newline));
    if (newline < 0 || !Number.isSafeInteger(parts) || parts < 1) {
      return `index entry ${key} is damaged`;
    }
    if (parts === 1) texts.set(key, data.slice(newline + 1));
    else more.push({ key, parts, first: data.slice(newline + 1) });
  }
  if (more.length > 0) {
    const paths = more.flatMap(({ key, parts }) =>
      Array.from({ length: parts - 1 }, (_, i) => `${gen}/${key}/${i + 1}`)
    );
    const chunks = await store.getMany([...paths, gen], { dataOnly: true });
    if (chunks[paths.length] === null) return `index generation ${head.generation} is gone`;
    let at = 0;
    for (const { key, parts, first } of more) {
      const rest = chunks.slice(at, at + parts - 1);
      at += parts - 1;
      if (rest.some((c) => c === null)) return `index entry ${key} is damaged`;
      texts.set(key, first + rest.map((c) => c!.data).join(""));
    }
  }
  return texts;
}
