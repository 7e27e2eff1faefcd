/**
 * Run before the test suite: makes sure headless Chromium is there for the browser tests of
 * `serve` (tests/operator/serve/browser_test.ts). On Debian, as root, installs the `chromium`
 * package when it is missing; elsewhere says exactly what to install.
 *
 * @module
 */
import { ensureDebianPackages } from "./debian_packages.ts";
import { CHROMIUM } from "../harness/browser.ts";

const HINT = `Install Chromium at ${CHROMIUM}: on Debian, apt-get install chromium.`;

function missing(): string[] {
  try {
    return Deno.statSync(CHROMIUM).isFile ? [] : [CHROMIUM];
  } catch {
    return [CHROMIUM];
  }
}

await ensureDebianPackages({
  missing,
  packages: ["chromium"],
  hint: HINT,
  installing: () => "Chromium is missing: installing Debian's chromium package…",
  stillMissing: () => HINT,
});
