/**
 * Limits of the tree format that command lines show as defaults (a module of its own, so a
 * `--help` shows them without loading the parser).
 *
 * @module
 */

/**
 * The largest node data (encoded properties) accepted by default, in bytes: ZooKeeper refuses a
 * request over `jute.maxbuffer` (1 MiB by default) and the request holds the path too.
 */
export const DEFAULT_MAX_NODE_BYTES = 1_000_000;
