/// <reference lib="dom" />
/**
 * `serve`'s pages in a real browser (headless Chromium driven by puppeteer-core), against
 * `serve` on a real ZooKeeper with real agent processes: the overview lists every host; a sync
 * bump and the agents' convergence show without reload; the page reconnects by itself after
 * the server restarts; a failing host's error and ALL STOP appear; a hostile error string in a
 * host node is text and runs no script; the Apps page shows Consul's records as text; the
 * History page shows the failed rollout's timeline (one bar per host, the failed bar's error as
 * text) and, without reload, the rollback that followed and the pin. A
 * screenshot of each page is saved under a temp dir whose path is printed.
 *
 * Covers: lib/operator/serve/mod.ts, lib/operator/serve/server.ts,
 *   lib/operator/serve/status_feed.ts, lib/operator/serve/pages/overview.js,
 *   lib/operator/serve/pages/apps.js, lib/operator/serve/pages/common.js,
 *   lib/operator/serve/apps.ts, lib/operator/serve/pages/history.js.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import type { Page } from "puppeteer-core";
import { launchBrowser } from "../../support/harness/browser.ts";
import { ServeProcess, startServeCluster, tree } from "../../support/harness/serve_cluster.ts";
import { waitFor } from "../../support/harness/wait.ts";
import { startConsulDouble } from "../../support/servers/consul_double.ts";
import { decodeProperties, encodeProperties } from "../../../lib/tree/codec.ts";
import { runEntrypoint } from "../../support/harness/cli.ts";
import { encodeOutcome } from "../../../lib/cluster/mod.ts";

const HOSTILE = "<img src=x onerror=window.__pwned=1>";
/** How long the page may take to show a change the store already has (the 2 s). */
const LIVE_MS = 2000;
const NAMES = ["web-1", "web-2", "web-3"];

const cellText = (page: Page, host: string, col: string) =>
  page.$eval(
    `#hosts tr[data-host="${host}"] td[data-col="${col}"]`,
    (td) => td.textContent,
  ).catch(() => null);

/** Waits until the page shows `text` in `host`'s `col` cell (without reload), at most LIVE_MS. */
async function pageShows(page: Page, host: string, col: string, text: string) {
  await page.waitForFunction(
    (h: string, c: string, t: string) =>
      document.querySelector(`#hosts tr[data-host="${h}"] td[data-col="${c}"]`)?.textContent
        ?.includes(t) === true,
    { timeout: LIVE_MS, polling: 50 },
    host,
    col,
    text,
  ).catch(async (error) => {
    throw new Error(
      `the page did not show ${text} in ${host}'s ${col} cell within ${LIVE_MS} ms ` +
        `(it shows ${await cellText(page, host, col)}): ${error}`,
    );
  });
}

async function hostAt(
  cluster: { store: { get(p: string): Promise<{ data: string } | null> } },
  id: string,
  text: string,
) {
  await waitFor(
    `/hosts/${id} to hold ${text}`,
    async () => (await cluster.store.get(`/hosts/${id}`))?.data.includes(text) === true,
    30_000,
  );
}

Deno.test({
  name: "serve in a real browser: live overview, reconnect, ALL STOP, hostile text, apps",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const shots = await Deno.makeTempDir({ prefix: "serve-browser-shots-" });
    const cluster = await startServeCluster(NAMES, "deploy failed", "serve-browser-");
    const consul = startConsulDouble([{ name: "node1", addr: "10.0.0.1" }]);
    consul.kvSet("app/shop", {
      master: "node1",
      slave: "node2",
      urls: `http://shop.example ${HOSTILE}`,
      deploy_id: "ev-1",
    });
    consul.kvSet("app/blog", {
      master: "node2",
      slave: null,
      urls: "http://blog",
      deploy_id: "ev-2",
    });
    consul.kvSet("maintenance/blog", "");
    const args = ["--consul", consul.url];
    let serve = await ServeProcess.start(cluster.zk.connect, args);
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.setViewport({ width: 1200, height: 800 });
      const problems: string[] = [];
      page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
      page.on("pageerror", (e) => problems.push(String(e)));
      await page.goto(`${serve.url}/`);
      const [a, b] = cluster.hosts;

      // Every host listed, at the first commit.
      const v1 = String(decodeProperties((await cluster.store.get("/hosts"))!.data).version);
      await pageShows(page, a.id, "version", v1);
      const rows = await page.$$eval(
        "#hosts tbody tr",
        (trs) => trs.map((tr) => tr.getAttribute("data-host")),
      );
      equal(rows.sort().join(" "), cluster.hosts.map((h) => h.id).sort().join(" "));
      equal(await page.$$eval("#grid .cell.converged", (c) => c.length), NAMES.length);
      await page.evaluate(() => (globalThis as unknown as { __noReload: number }).__noReload = 1);

      // A sync bump: the agents converge, the page follows without reload.
      const v2 = await cluster.sync(tree("2.0", NAMES));
      await pageShows(page, a.id, "converged", "no").catch(() => {}); // may be too quick to see
      for (const host of cluster.hosts) {
        await hostAt(cluster, host.id, v2);
        await pageShows(page, host.id, "version", v2);
      }
      equal(await page.$eval("#cluster-version", (e) => e.textContent), v2);
      await page.screenshot({ path: `${shots}/overview-converged.png`, fullPage: true });

      // The server restarts on the same address: the page reconnects by itself.
      const port = new URL(serve.url).port;
      await serve.stop();
      serve = await ServeProcess.start(cluster.zk.connect, args, `127.0.0.1:${port}`);

      // A failing host: ALL STOP, its error on the page.
      await cluster.sync(tree("2.0", NAMES, b.name));
      await hostAt(cluster, b.id, "error");
      await pageShows(page, b.id, "error", "Command failed");
      equal(await page.$eval("#cluster-state", (e) => e.textContent), "ALL STOP");
      equal(await page.$eval("#stop-banner", (e) => (e as HTMLElement).hidden), false);

      // A host node with a hostile error: shown as text, no script runs.
      await cluster.store.create(
        "/hosts/0badbadbad00",
        encodeProperties({ name: "evil", version: "x", error: HOSTILE }),
      );
      await pageShows(page, "0badbadbad00", "error", HOSTILE);
      equal(await cellText(page, "0badbadbad00", "error"), HOSTILE);
      equal(await page.$$eval("img", (imgs) => imgs.length), 0);
      equal(
        await page.evaluate(() => typeof (globalThis as unknown as { __pwned?: number }).__pwned),
        "undefined",
      );
      equal(
        await page.evaluate(() => (globalThis as unknown as { __noReload: number }).__noReload),
        1,
      );
      await page.screenshot({ path: `${shots}/overview-all-stop.png`, fullPage: true });

      // No app here has a rollout policy, so the status document carries no per-app rollout:
      // the section stays hidden. Its renderer draws the entries a document carries, as text.
      equal(await page.$eval("#progress", (e) => e.hasAttribute("hidden")), true);
      const parts = await page.evaluate(async () => {
        const view = await import("/assets/overview.js");
        view.renderRolloutProgress({
          rollouts: [{
            path: "<b>shop</b>",
            atVersion: 2,
            total: 5,
            deploying: 1,
            checking: 1,
            secondsLeft: 12,
            waitingSlot: 0,
            waitingCanaries: 0,
            failed: 1,
          }],
        });
        const section = document.getElementById("progress")!;
        return [
          section.hidden,
          section.querySelector("h3")!.textContent,
          [...section.querySelectorAll(".bar > span")].map((s) => s.className).join(" "),
          section.querySelector("p")!.textContent,
        ];
      });
      deepEqual(parts, [
        false,
        "<b>shop</b> (2/5)",
        "at deploying checking failed",
        "2 at the cluster version, 1 deploying, 1 checking health (12 s left), 1 failed",
      ]);
      await page.evaluate(async () =>
        (await import("/assets/overview.js")).renderRolloutProgress({})
      );
      equal(await page.$eval("#progress", (e) => e.hasAttribute("hidden")), true);

      // Filter and sort.
      await page.type("#filter", "evil");
      equal(await page.$$eval("#hosts tbody tr", (trs) => trs.length), 1);
      await page.$eval("#filter", (e) => (e as HTMLInputElement).value = "");
      await page.type("#filter", "web-");
      equal(await page.$$eval("#hosts tbody tr", (trs) => trs.length), NAMES.length);
      await page.click('#hosts th[data-key="name"]');
      await page.click('#hosts th[data-key="name"]');
      const names = await page.$$eval(
        "#hosts td[data-col=name]",
        (tds) => tds.map((t) => t.textContent),
      );
      equal(names.join(","), [...NAMES].reverse().join(","));

      // The Apps page, from Consul, as text.
      equal(await page.$eval("#nav-apps", (e) => (e as HTMLElement).hidden), false);
      await page.goto(`${serve.url}/apps`);
      await page.waitForSelector('#apps tr[data-app="shop"]', { timeout: 5000 });
      equal(
        await page.$eval('#apps tr[data-app="shop"] td[data-col="urls"]', (e) => e.textContent),
        `http://shop.example ${HOSTILE}`,
      );
      equal(
        await page.$eval(
          '#apps tr[data-app="blog"] td[data-col="maintenance"]',
          (e) => e.textContent,
        ),
        "on",
      );
      equal(
        await page.$eval(
          '#apps tr[data-app="shop"] td[data-col="maintenance"]',
          (e) => e.textContent,
        ),
        "off",
      );
      equal(await page.$$eval("img", (imgs) => imgs.length), 0);
      await page.screenshot({ path: `${shots}/apps.png`, fullPage: true });

      // History: the failed rollout's timeline (one bar per host that reported, the failed
      // bar's error as text); a rollback appears without reload; the rolled-back record shows.
      await cluster.store.delete("/hosts/0badbadbad00");
      const before = await (await fetch(`${serve.url}/api/history`)).json();
      const failing = before.records[0];
      equal(failing.state, "stopped");
      equal(await page.$eval("#nav-history", (e) => (e as HTMLElement).hidden), false);
      await page.goto(`${serve.url}/history`);
      await page.waitForSelector(`#records tr[data-id="${failing.id}"]`, { timeout: 5000 });
      await page.evaluate(() => (globalThis as unknown as { __noReload: number }).__noReload = 2);
      await page.waitForSelector("#timeline rect.tl-bar.failed", { timeout: 5000 });
      const bars = () => page.$$eval("#timeline rect.tl-bar", (r) => r.length);
      equal(await bars(), failing.outcomes.length);
      equal(failing.outcomes.length, NAMES.length, JSON.stringify(failing.outcomes));
      ok((await page.$eval("#timeline text.tl-error", (e) => e.textContent))!.includes("Command"));
      const rolled = await runEntrypoint("main.ts", [
        "rollback",
        cluster.repo.path,
        "--tree-dir",
        `${cluster.dir}/rollback-trees`,
        "--store",
        cluster.zk.connect,
      ]);
      equal(rolled.code, 0, rolled.stderr);
      await page.waitForFunction(
        (id: string) =>
          document.querySelector(`#records tr[data-id="${id}"] td.state`)?.textContent ===
            "rolled back" && !document.getElementById("pin-banner")!.hidden,
        { timeout: LIVE_MS + 1000, polling: 50 },
        failing.id,
      );
      // The hosts that deploy the rollback report; the page follows without reload.
      let back: { id: string; outcomes: unknown[] } | undefined;
      await waitFor("the rollback's outcomes", async () => {
        back = (await (await fetch(`${serve.url}/api/history`)).json()).records[0];
        return back!.id !== failing.id && back!.outcomes.length >= NAMES.length - 1;
      }, 20_000);
      await page.waitForFunction(
        (n: number) => document.querySelectorAll("#timeline rect.tl-bar.done").length === n,
        { timeout: LIVE_MS + 1000, polling: 50 },
        back!.outcomes.length,
      );
      equal(await bars(), back!.outcomes.length, "the rollback's timeline: one bar per host");
      await page.click(`#records tr[data-id="${failing.id}"]`);
      await page.waitForSelector(`#detail[data-id="${failing.id}"]`, { timeout: 2000 });
      equal(await bars(), failing.outcomes.length);
      const failedRow = await page.$eval(
        `#outcomes tr[data-host="${b.id}"] td.error`,
        (e) => e.textContent,
      );
      ok(failedRow!.includes("Command failed"), failedRow!);
      equal(
        await page.evaluate(() => (globalThis as unknown as { __noReload: number }).__noReload),
        2,
      );
      await page.screenshot({ path: `${shots}/history.png`, fullPage: true });

      // An outcome written with no host node change (the tick reads it) with a hostile error:
      // shown live, as text, in the table and in the picture; no script runs.
      const t = Date.parse(failing.syncedAt);
      await cluster.store.create(
        `/rollouts/${failing.id}/0badbadbad00`,
        encodeOutcome({
          name: "<b>evil</b>",
          started: new Date(t + 10).toISOString(),
          finished: new Date(t + 20).toISOString(),
          result: "failed",
          error: HOSTILE,
          commands: 0,
        }),
      );
      await page.waitForFunction(
        (h: string) =>
          document.querySelector(`#outcomes tr[data-host="0badbadbad00"] td.error`)
            ?.textContent === h,
        { timeout: LIVE_MS + 1000, polling: 50 },
        HOSTILE,
      );
      const svgTexts = await page.$$eval("#timeline text", (ts) => ts.map((x) => x.textContent));
      ok(svgTexts.includes(HOSTILE) && svgTexts.includes("<b>evil</b>"), svgTexts.join("|"));
      equal(await bars(), failing.outcomes.length + 1);
      equal(
        await page.$$eval(`#records tr[data-id="${failing.id}"] rect.mini-bar`, (r) => r.length),
        failing.outcomes.length + 1,
      );
      equal(await page.$$eval("img, b", (x) => x.length), 0);
      equal(
        await page.evaluate(() => typeof (globalThis as unknown as { __pwned?: number }).__pwned),
        "undefined",
      );

      // The overview says pinned (by whom, from which version) and names the current rollout.
      await page.click("nav a[href='/']");
      await page.waitForFunction(
        () => !document.getElementById("pin-banner")!.hidden,
        { timeout: 5000, polling: 50 },
      );
      ok((await page.$eval("#cluster-state", (e) => e.textContent))!.endsWith(", pinned"));
      const pinText = (await page.$eval("#pin-banner", (e) => e.textContent))!;
      ok(pinText.includes("rolled back from None") && pinText.includes(" by "), pinText);
      const current = (await page.$eval("#current", (e) => e.textContent))!;
      ok(
        current.includes("test <test@example.invalid>") && /synced by \S+ \d+s ago/.test(current),
        current,
      );
      await page.screenshot({ path: `${shots}/overview-pinned.png`, fullPage: true });
      ok(problems.every((p) => !/Content Security Policy|Refused/.test(p)), problems.join("\n"));
      console.log(`  screenshots: ${shots}`);
    } finally {
      await browser.close();
      await serve.stop();
      await consul.close();
      await cluster.close();
    }
  },
});
