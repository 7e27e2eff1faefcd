/**
 * Where `serve` listens and who may ask: `--listen HOST:PORT` (loopback by default), and the
 * rule that any other address needs `--token-file` (HTTP basic auth) and should have TLS.
 *
 * @module
 */
import { isIP } from "node:net";
import { CliError } from "../../cli/run.ts";

/** The default `--listen`. */
export const DEFAULT_LISTEN = "127.0.0.1:8080";

/** A parsed `--listen`. */
export interface ListenAddress {
  /** The host name or address (without brackets). */
  hostname: string;
  /** The port (0: any free one). */
  port: number;
}

/** Parses `HOST:PORT` or `[V6]:PORT`; a usage error (exit 2) otherwise. */
export function parseListen(text: string): ListenAddress {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text);
  const port = match ? Number(match[3]) : NaN;
  const hostname = match ? (match[1] ?? match[2]) : "";
  if (!match || port > 65535 || (match[1] !== undefined && isIP(hostname) !== 6)) {
    throw new CliError(`--listen: expected HOST:PORT or [IPv6]:PORT, not ${text}`, 2);
  }
  return { hostname, port };
}

/** Whether only this machine can reach `hostname`. */
export function isLoopback(hostname: string): boolean {
  if (hostname === "localhost" || hostname === "::1") return true;
  return isIP(hostname) === 4 && hostname.startsWith("127.");
}

/** Reads the token: the file's first line, 16 characters or more. */
export async function readToken(file: string): Promise<string> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    throw new CliError(`--token-file ${file}: ${(error as Error).message}`);
  }
  const token = text.split("\n")[0].trim();
  if (token.length < 16 || [...token].some((c) => c.charCodeAt(0) < 0x20)) {
    throw new CliError(
      `--token-file ${file}: the first line must be the token, 16 characters or more`,
    );
  }
  return token;
}

/** What the listen options mean together (refused at start when they do not fit). */
export function checkListenOptions(
  listen: ListenAddress,
  opts: { tokenFile?: string; tlsCert?: string; tlsKey?: string },
): { warnings: string[] } {
  if ((opts.tlsCert === undefined) !== (opts.tlsKey === undefined)) {
    throw new CliError("--tls-cert and --tls-key go together", 2);
  }
  const warnings: string[] = [];
  if (!isLoopback(listen.hostname)) {
    if (opts.tokenFile === undefined) {
      throw new CliError(
        `--listen ${listen.hostname}: an address other than loopback needs --token-file ` +
          `(HTTP basic auth, the token as the password), and should have --tls-cert/--tls-key`,
        2,
      );
    }
    if (opts.tlsCert === undefined) {
      warnings.push(
        `serving ${listen.hostname} without TLS: the token crosses the network in clear ` +
          `(give --tls-cert and --tls-key)`,
      );
    }
  }
  return { warnings };
}
