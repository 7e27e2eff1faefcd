/**
 * The wire format of ZooKeeper's `multiRead` request (op code 22, servers ≥ 3.6): many
 * `getData` / `getChildren` reads in one request and one response, each op answered on its own
 * (a missing node fails only its op). Encoded and decoded here without the client library,
 * which does not know the op.
 *
 * Request frame: length, RequestHeader{xid, type=22}, then per op MultiHeader{type, done=false,
 * err=-1} + GetDataRequest / GetChildrenRequest{path, watch=false}, then MultiHeader{-1, true, -1}.
 * Response frame: length, ReplyHeader{xid, zxid, err}, then per op MultiHeader{type, done, err} +
 * GetDataResponse{data, Stat} / GetChildrenResponse{children} / ErrorResponse{err}, ended by a
 * MultiHeader with done=true.
 *
 * @module
 */

/** The `multiRead` op code. */
export const MULTI_READ = 22;
/** The `getData` op code. */
export const GET_DATA = 4;
/** The `getChildren` op code (children only, no stat). */
export const GET_CHILDREN = 8;
/** The op code of an error result inside a multi response. */
export const ERROR = -1;
/** Bytes of a serialized Stat. */
const STAT_BYTES = 68;

/** One read of a `multiRead` request; `path` is the absolute server path. */
export interface ReadOp {
  /** {@linkcode GET_DATA} or {@linkcode GET_CHILDREN}. */
  type: typeof GET_DATA | typeof GET_CHILDREN;
  /** Absolute server path (chroot included). */
  path: string;
}

/** The parts of a node's Stat that reads use. */
export interface ReadStat {
  /** Data version. */
  version: number;
  /** Session id owning an ephemeral node, 0n for a persistent one. */
  ephemeralOwner: bigint;
  /** How many children the node has. */
  numChildren: number;
  /** Creation time, ms since the epoch. */
  ctime: number;
  /** Last modification time, ms since the epoch. */
  mtime: number;
}

/** The result of one op: data and stat, children, or a ZooKeeper error code. */
export type ReadResult =
  | { type: typeof GET_DATA; data: Uint8Array; stat: ReadStat }
  | { type: typeof GET_CHILDREN; children: string[] }
  | { type: typeof ERROR; err: number };

/** A decoded `multiRead` response. */
export interface MultiReadReply {
  /** The request's xid. */
  xid: number;
  /** The server's zxid when it answered (8 bytes). */
  zxid: Uint8Array;
  /** 0, or the error of the whole request (then `results` is empty). */
  err: number;
  /** One result per op, in op order. */
  results: ReadResult[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encodes a whole `multiRead` request frame, length prefix included. */
export function encodeMultiRead(xid: number, ops: readonly ReadOp[]): Uint8Array {
  const paths = ops.map((op) => encoder.encode(op.path));
  // length + header, per op: header (9) + path (4 + n) + watch (1), end header (9).
  let size = 4 + 8 + 9;
  for (const path of paths) size += 9 + 4 + path.length + 1;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  let at = 0;
  const int = (value: number) => {
    view.setInt32(at, value);
    at += 4;
  };
  const header = (type: number, done: boolean) => {
    int(type);
    bytes[at++] = done ? 1 : 0;
    int(-1);
  };
  int(size - 4);
  int(xid);
  int(MULTI_READ);
  ops.forEach((op, i) => {
    header(op.type, false);
    int(paths[i].length);
    bytes.set(paths[i], at);
    at += paths[i].length;
    bytes[at++] = 0; // no watch
  });
  header(ERROR, true);
  return bytes;
}

/**
 * Decodes a `multiRead` response frame (length prefix included). Throws an Error naming the
 * offset when the frame is malformed.
 */
export function parseMultiRead(frame: Uint8Array): MultiReadReply {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  let at = 4;
  const need = (n: number) => {
    if (at + n > frame.length) {
      throw new Error(
        `malformed multiRead response: ${n} bytes wanted at offset ${at} of ${frame.length}`,
      );
    }
  };
  const int = () => {
    need(4);
    const value = view.getInt32(at);
    at += 4;
    return value;
  };
  const bytes = () => {
    const length = int();
    if (length < 0) return new Uint8Array(0); // null buffer
    need(length);
    at += length;
    return frame.subarray(at - length, at);
  };
  const xid = int();
  need(8);
  const zxid = frame.slice(at, at + 8);
  at += 8;
  const err = int();
  const results: ReadResult[] = [];
  if (err !== 0) return { xid, zxid, err, results };
  for (;;) {
    const type = int();
    need(1);
    const done = frame[at++] !== 0;
    const headerErr = int();
    if (done) break;
    switch (type) {
      case GET_DATA: {
        const data = bytes();
        need(STAT_BYTES);
        results.push({
          type,
          data,
          stat: {
            version: view.getInt32(at + 32),
            ephemeralOwner: view.getBigInt64(at + 44),
            numChildren: view.getInt32(at + 56),
            ctime: Number(view.getBigInt64(at + 16)),
            mtime: Number(view.getBigInt64(at + 24)),
          },
        });
        at += STAT_BYTES;
        break;
      }
      case GET_CHILDREN: {
        const count = int();
        const children: string[] = [];
        for (let i = 0; i < count; i++) children.push(decoder.decode(bytes()));
        results.push({ type, children });
        break;
      }
      case ERROR:
        results.push({ type, err: int() });
        break;
      default:
        throw new Error(
          `malformed multiRead response: op type ${type} (err ${headerErr}) at offset ${at - 9}`,
        );
    }
  }
  return { xid, zxid, err, results };
}
