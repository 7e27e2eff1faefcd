/**
 * The pages are embedded: every file of lib/operator/serve/pages/ is in `assets.ts` (as the
 * text import `deno compile` puts in the binary: it is in the static module graph of `serve`),
 * served as the source file is; and none has inline script, inline style, an inline event
 * handler, `innerHTML` or an external address.
 *
 * Covers: lib/operator/serve/assets.ts, lib/operator/serve/pages/.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { ASSETS, PAGES } from "../../../lib/operator/serve/assets.ts";

const ROOT = new URL("../../../", import.meta.url);
const PAGES_DIR = new URL("lib/operator/serve/pages/", ROOT);

Deno.test("assets: every page file is embedded, as it is, and in serve's module graph", async () => {
  const files = (await Array.fromAsync(Deno.readDir(PAGES_DIR))).map((e) => e.name).sort();
  const served = new Map<string, string>([
    ["overview.html", PAGES["/"].body],
    ["apps.html", PAGES["/apps"].body],
    ["history.html", PAGES["/history"].body],
    ...Object.entries(ASSETS).map(([name, a]) => [name, a.body] as [string, string]),
  ]);
  deepEqual([...served.keys()].sort(), files);
  for (const name of files) {
    equal(served.get(name), await Deno.readTextFile(new URL(name, PAGES_DIR)), name);
  }
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "lib/operator/serve/mod.ts"],
    cwd: ROOT.pathname,
    stdout: "piped",
  }).output();
  const graph = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    modules: { specifier: string }[];
  };
  const inGraph = graph.modules.map((m) => m.specifier);
  for (const name of files) {
    ok(inGraph.includes(new URL(name, PAGES_DIR).href), `${name} in the module graph`);
  }
});

Deno.test("assets: no inline script or style, no innerHTML, nothing external", () => {
  const all = {
    ...ASSETS,
    "overview.html": PAGES["/"],
    "apps.html": PAGES["/apps"],
    "history.html": PAGES["/history"],
  };
  for (const [name, asset] of Object.entries(all)) {
    const text = asset.body;
    ok(!/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/.test(text), name);
    ok(!/\son[a-z]+\s*=/.test(text), `${name}: inline event handler`);
    ok(!/\sstyle\s*=|<style/i.test(text), `${name}: inline style`);
    ok(!/(src|href)\s*=\s*"(https?:)?\/\//.test(text), `${name}: external asset`);
    ok(!/url\(\s*["']?(https?:)?\/\//.test(text), `${name}: external url()`);
    if (name.endsWith(".html")) {
      for (const tag of text.match(/<script[^>]*>/g) ?? []) ok(/\ssrc="\/assets\//.test(tag), tag);
    }
  }
});
