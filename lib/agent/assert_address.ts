/**
 * `agent --assert-zookeeper-address ADDRESS` (`-z`), the reference's belt against a staging agent
 * talking to production: before the agent opens its store, every host of the ZooKeeper connect
 * string must resolve to ADDRESS (one of its IPv4/IPv6 addresses is ADDRESS; an IP literal is its
 * own address). ADDRESS may be a comma-separated list, for an ensemble whose servers have
 * different addresses: every host must then resolve to one of them.
 *
 * A `file:` store has no address to check: the check refuses it (an agent told to check its
 * ZooKeeper's address but given a local file is misconfigured).
 *
 * @module
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { message } from "../error_message.ts";
import { parseConnectString } from "../store/connect_string.ts";

/** Resolves a host name to its addresses (node:dns lookup by default; tests may pass their own). */
export type Resolver = (host: string) => Promise<string[]>;

/** The system resolver (getaddrinfo, as the reference's `gethostbyname`): every address. */
export const systemResolver: Resolver = async (host) =>
  (await lookup(host, { all: true })).map((a) => a.address);

/** The checked ADDRESS list: IP addresses only (a name would be resolved by the same DNS). */
export function parseExpectedAddresses(text: string): string[] {
  const addresses = text.split(",").map((a) => a.trim());
  for (const address of addresses) {
    if (isIP(address) === 0) {
      throw new Error(
        `--assert-zookeeper-address must be an IP address (or a comma-separated list), not '${text}'`,
      );
    }
  }
  return addresses;
}

/** The host names of a connect string (`host:port,…/chroot`; `[v6]:port` unbracketed). */
export function connectHosts(connect: string): string[] {
  const { hosts } = parseConnectString(connect);
  return hosts.split(",").map((h) => {
    const bracketed = /^\[([^\]]+)\]/.exec(h);
    return bracketed !== null ? bracketed[1] : h.replace(/:\d+$/, "");
  });
}

/**
 * Throws (saying which host resolves to what) unless every host of `connect` resolves to one of
 * the addresses of `expected`; a `file:` store is refused.
 */
export async function assertStoreAddress(
  connect: string,
  expected: string,
  resolve: Resolver = systemResolver,
): Promise<void> {
  const wanted = parseExpectedAddresses(expected);
  if (connect.startsWith("file:")) {
    throw new Error(
      `--assert-zookeeper-address ${expected}: the store ${connect} is a local file, ` +
        `not ZooKeeper: there is no address to check`,
    );
  }
  for (const host of connectHosts(connect)) {
    let addresses: string[];
    if (isIP(host) !== 0) {
      addresses = [host];
    } else {
      try {
        addresses = await resolve(host);
      } catch (error) {
        throw new Error(`Invalid zookeeper address: cannot resolve ${host}: ${message(error)}`);
      }
    }
    if (!addresses.some((a) => wanted.includes(a))) {
      throw new Error(
        `Invalid zookeeper address: ${host} resolves to ${addresses.join(", ") || "nothing"}, ` +
          `not ${wanted.join(" or ")}`,
      );
    }
  }
}
