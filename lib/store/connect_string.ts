/**
 * ZooKeeper connect strings (`host:port[,host:port…][/chroot]`), parsed and checked without the
 * ZooKeeper client, so a command can read an address before (or without) loading the client.
 *
 * @module
 */
import { StoreError } from "./types.ts";
import { validatePath } from "./path.ts";

/** A parsed connect string. */
export interface ZooKeeperAddress {
  /** `host:port[,host:port…]` */
  hosts: string;
  /** The chroot without trailing slash, "" for none. */
  chroot: string;
}

/**
 * Parses and validates `host:port[,host:port][/chroot]` (port defaults to 2181); throws
 * {@linkcode StoreError} `INVALID` naming the connect string.
 */
export function parseConnectString(connect: string): ZooKeeperAddress {
  const invalid = (why: string) =>
    new StoreError("INVALID", `invalid zookeeper connect string "${connect}": ${why}`);
  if (connect === "" || /\s/.test(connect)) throw invalid("empty or contains spaces");
  const slash = connect.indexOf("/");
  const hostPart = slash === -1 ? connect : connect.slice(0, slash);
  let chroot = slash === -1 ? "" : connect.slice(slash);
  if (chroot === "/") chroot = "";
  if (chroot !== "") {
    try {
      validatePath(chroot);
    } catch {
      throw invalid(`bad chroot ${chroot}`);
    }
  }
  const hosts = hostPart.split(",");
  for (const host of hosts) {
    const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+)(?::(\d+))?$/.exec(host);
    if (match === null) throw invalid(`bad host "${host}"`);
    if (match[2] !== undefined) {
      const port = Number(match[2]);
      if (port < 1 || port > 65535) throw invalid(`bad port in "${host}"`);
    }
  }
  return { hosts: hosts.join(","), chroot };
}
