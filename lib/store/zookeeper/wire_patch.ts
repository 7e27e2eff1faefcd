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
 * It also lets the store send requests the library does not know ({@linkcode queueRawRequest}):
 * they go through the library's queues (so xids and ordering stay consistent, and connection
 * loss or session expiry fails them like any request), and their response frame is handed to
 * their callback before the library's dispatch, which would drop the socket on an unknown op.
 *
 * And it makes a stopped client (closed, or replaced after its session expired: see
 * {@linkcode stopManager}) stay stopped: the library retries a dropped connection after a random
 * delay, and a retry already scheduled when the client was stopped would open a connection
 * anyway, whose session answer the library then read as the answer to the close request
 * (`Exception.create` of the session id's bytes threw `Unknown code: …` out of the socket's data
 * handler, ending the process, and the connection stayed open). Likewise a reply the library
 * cannot read fails its request as a connection loss naming the reason, and the connection is
 * dropped, instead of the library's exception leaving the socket's handler.
 *
 * The store contract tests run through the patched client.
 *
 * @module
 */

import ConnectionManager from "node-zookeeper-client/lib/ConnectionManager.js";
import { Buffer } from "node:buffer";
import { message } from "../../error_message.ts";

/** The library's connection state while waiting for the connect response. */
const CONNECTING = 1;

/** A request encoded by the caller; `raw` marks it as answered by the patch. */
interface RawRequest {
  header: { xid: number; type: number };
  payload: null;
  raw: true;
  toBuffer(): Uint8Array;
}

/** A queued or sent request, as the library keeps them. */
interface Packet {
  request: { header: { xid: number } | null; raw?: true };
  callback?: (error: unknown, response?: unknown) => void;
}

/** The parts of the library's ConnectionManager the patch touches. */
export interface Manager {
  socket?: { write(data: Uint8Array): boolean; destroy(): void } | null;
  state: number;
  zxid: Uint8Array;
  pendingBuffer: Uint8Array | null;
  pendingQueue: Packet[];
  queue(request: RawRequest, callback: (error: unknown, frame?: unknown) => void): void;
  onSocketData(chunk: Uint8Array): void;
  findNextServer(callback: (server: unknown) => void): void;
}

/**
 * Queues a request of op `type` whose bytes `encode` makes (a whole frame, length prefix
 * included) once the library has given it an xid. `callback` gets the response frame (its own
 * copy, length prefix included), or the library's exception when the request fails before an
 * answer (connection loss, session expiry, closed client).
 */
export function queueRawRequest(
  manager: Manager,
  type: number,
  encode: (xid: number) => Uint8Array,
  callback: (error: unknown, frame?: Uint8Array) => void,
): void {
  const request: RawRequest = {
    header: { xid: 0, type },
    payload: null,
    raw: true,
    toBuffer() {
      const bytes = encode(this.header.xid);
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
  };
  manager.queue(request, (error, frame) => callback(error, frame as Uint8Array | undefined));
}

/** Answers the oldest pending request with `frame` if it is a raw one with that xid. */
function answerRaw(manager: Manager, frame: Uint8Array): boolean {
  const head = manager.pendingQueue[0];
  if (head?.request.raw !== true || manager.state === CONNECTING || frame.length < 16) {
    return false;
  }
  const xid = new DataView(frame.buffer, frame.byteOffset, 8).getInt32(4);
  if (xid !== head.request.header?.xid) return false; // the library drops the socket
  manager.pendingQueue.shift();
  manager.zxid = Buffer.from(frame.slice(8, 16)); // as the library does for every reply
  head.callback?.(null, frame.slice());
  return true;
}

/**
 * Cuts a byte stream of ZooKeeper frames (a 4-byte big-endian length, then that many bytes)
 * into whole frames, in linear time, keeping an unfinished frame for the next chunk. The chunks
 * of a frame that spans many are joined once, when it is complete.
 */
export class FrameSplitter {
  #parts: Uint8Array[] = [];
  #held = 0;

  /** Adds a chunk and returns the whole frames now available, length prefix included. */
  push(chunk: Uint8Array): Uint8Array[] {
    let buffer = chunk;
    if (this.#parts.length > 0) {
      this.#parts.push(chunk);
      this.#held += chunk.length;
      if (this.#held < this.#needed()) return [];
      buffer = concat(this.#parts, this.#held);
      this.#parts = [];
      this.#held = 0;
    }
    const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    const frames: Uint8Array[] = [];
    let offset = 0;
    while (buffer.length - offset >= 4) {
      const size = view.getInt32(offset);
      if (buffer.length - offset < size + 4) break;
      frames.push(buffer.subarray(offset, offset + size + 4));
      offset += size + 4;
    }
    if (offset < buffer.length) {
      this.#parts = [buffer.slice(offset)];
      this.#held = buffer.length - offset;
    }
    return frames;
  }

  /** Bytes held for an unfinished frame. */
  get pending(): number {
    return this.#held;
  }

  /** The size of the unfinished frame with its prefix (Infinity while the prefix is partial). */
  #needed(): number {
    if (this.#parts[0].length < 4) {
      if (this.#held < 4) return Infinity;
      this.#parts = [concat(this.#parts, this.#held)];
    }
    const first = this.#parts[0];
    return new DataView(first.buffer, first.byteOffset, 4).getInt32(0) + 4;
  }
}

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  const joined = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return joined;
}

/** Per-manager framing: the splitter of the socket it belongs to. */
const splitters = new WeakMap<Manager, { socket: unknown; splitter: FrameSplitter }>();
const patched = new WeakSet<object>();

/** Managers of stopped clients. */
const stopped = new WeakSet<object>();

/**
 * Stops a client's connection manager for good: no connection is opened after this (a retry
 * already scheduled is dropped), and whatever still arrives on its socket is dropped with the
 * socket. The caller destroys the current socket.
 */
export function stopManager(manager: object): void {
  stopped.add(manager);
}

/** Hands the library one whole frame at a time, with a splitter per socket. */
function onSocketData(this: Manager, original: (chunk: Uint8Array) => void, chunk: Uint8Array) {
  if (stopped.has(this)) {
    this.socket?.destroy();
    return;
  }
  let state = splitters.get(this);
  if (state === undefined || state.socket !== this.socket) {
    state = { socket: this.socket, splitter: new FrameSplitter() };
    splitters.set(this, state);
  }
  for (const frame of state.splitter.push(chunk)) {
    if (answerRaw(this, frame)) continue;
    this.pendingBuffer = null;
    const head = this.pendingQueue[0];
    try {
      original.call(this, Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
    } catch (error) {
      unreadable(this, head, error);
      return;
    }
    // The library may have dropped the socket (protocol error): the rest is meaningless.
    if (state.socket !== this.socket) return;
  }
}

/** ZooKeeper's connection-loss code: the outcome of a request is unknown. */
const CONNECTION_LOSS = -4;

/**
 * The library threw reading a reply (an error code it does not know, a payload it cannot
 * decode): instead of the exception leaving the socket's handler (which ends the process), the
 * request it was answering fails as a connection loss naming the reason, and the socket is
 * dropped like on any protocol error (the other requests fail with `CONNECTION_LOSS`, the
 * client reconnects).
 */
function unreadable(manager: Manager, head: Packet | undefined, error: unknown): void {
  const reason = message(error);
  if (head !== undefined && manager.pendingQueue[0] !== head) {
    const lost = Object.assign(
      new Error(`unreadable reply from the server (${reason}); connection dropped`),
      { code: CONNECTION_LOSS },
    );
    try {
      head.callback?.(lost);
    } catch {
      // it may have been answered already, before the library threw
    }
  }
  manager.socket?.destroy();
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
  const originalFind = proto.findNextServer;
  proto.findNextServer = function (this: Manager, callback: (server: unknown) => void) {
    originalFind.call(this, (server: unknown) => {
      if (!stopped.has(this)) callback(server); // stopped meanwhile: open nothing
    });
  };
  patched.add(proto);
}
