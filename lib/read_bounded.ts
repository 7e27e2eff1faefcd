/**
 * Reading a byte stream whole, but never more than a limit: the read fails as soon as the bytes
 * pass the limit, before the rest is taken in (a payload on standard input, a fetched value).
 *
 * @module
 */

/**
 * Reads `stream` whole; throws what `tooLarge()` makes as soon as more than `maxBytes` bytes
 * have come.
 */
export async function readBounded(
  stream: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  maxBytes: number,
  tooLarge: () => Error,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.length;
  }
  return all;
}
