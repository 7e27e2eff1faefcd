/**
 * A real browser for the pages' tests: Debian's headless Chromium (`/usr/bin/chromium`, see
 * tests/support/servers/ensure_chromium.ts) driven by `npm:puppeteer-core`.
 *
 * @module
 */
import puppeteer, { type Browser } from "puppeteer-core";

/** Where Debian's chromium package puts the browser. */
export const CHROMIUM = "/usr/bin/chromium";

/** Launches headless Chromium. */
export function launchBrowser(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
}
