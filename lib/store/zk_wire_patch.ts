/**
 * A fix to node-zookeeper-client 1.1.3's connection manager, applied once to its prototype (the
 * package is pinned, so the internals patched here are fixed).
 *
 * The library joins every received chunk to what is left with `Buffer.concat`, and
 * after each response calls itself again with the rest, copying the whole remaining buffer once
 * per response: quadratic in the number of responses that arrive together (thousands, for a
 * pipelined tree read). Worse, it keeps a partial frame across reconnects, so the first answer
 * on a new connection can be misread. The patch cuts chunks into whole frames itself (linear)
 * and hands the library one frame at a time; a partial frame belongs to one socket and is
 * dropped with it.
 *
 * The store contract tests run through the patched client.
 *
 * @module
 */

import ConnectionManager from "node-zookeeper-client/lib/ConnectionManager.js";

/** The parts of the library's ConnectionManager the patch touches. */
interface Manager {
  socket?: { write(data: Uint8Array): boolean } | null;
  pendingBuffer: Uint8Array | null;
  onSocketData(chunk: Uint8Array): void;
}

/**
 * Cuts a byte stream of ZooKeeper frames (a 4-byte big-endian length, then that many bytes)
 * into whole frames, in linear time, keeping an unfinished frame for the next chunk.
 */
export class FrameSplitter {
  #rest: Uint8Array | null = null;

  /** Adds a chunk and returns the whole frames now available, length prefix included. */
  push(chunk: Uint8Array): Uint8Array[] {
    const buffer = this.#rest === null ? chunk : concat(this.#rest, chunk);
    this.#rest = null;
    const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    const frames: Uint8Array[] = [];
    let offset = 0;
    while (buffer.length - offset >= 4) {
      const size = view.getInt32(offset);
      if (buffer.length - offset < size + 4) break;
      frames.push(buffer.subarray(offset, offset + size + 4));
      offset += size + 4;
    }
    if (offset < buffer.length) this.#rest = buffer.slice(offset);
    return frames;
  }

  /** Bytes held for an unfinished frame. */
  get pending(): number {
    return this.#rest?.length ?? 0;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

/** Per-manager framing: the splitter of the socket it belongs to. */
const splitters = new WeakMap<Manager, { socket: unknown; splitter: FrameSplitter }>();
const patched = new WeakSet<object>();

/** Hands the library one whole frame at a time, with a splitter per socket. */
function onSocketData(this: Manager, original: (chunk: Uint8Array) => void, chunk: Uint8Array) {
  let state = splitters.get(this);
  if (state === undefined || state.socket !== this.socket) {
    state = { socket: this.socket, splitter: new FrameSplitter() };
    splitters.set(this, state);
  }
  for (const frame of state.splitter.push(chunk)) {
    this.pendingBuffer = null;
    original.call(this, Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
    // The library may have dropped the socket (protocol error): the rest is meaningless.
    if (state.socket !== this.socket) return;
  }
}

/**
 * Patches the library's ConnectionManager prototype once. It must run before any client is
 * made (it binds the handler when a socket connects).
 */
export function patchConnectionManager(): void {
  const proto = (ConnectionManager as { prototype: Manager }).prototype;
  if (patched.has(proto)) return;
  if (typeof proto.onSocketData !== "function") {
    return; // not the library version this patch was written for: leave it alone
  }
  const originalData = proto.onSocketData;
  proto.onSocketData = function (this: Manager, chunk: Uint8Array) {
    onSocketData.call(this, originalData, chunk);
  };
  patched.add(proto);
}
