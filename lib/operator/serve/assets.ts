/**
 * The pages and their assets, embedded: imported as text so `deno compile` puts them in the
 * binary (no build step, nothing fetched at run time). The source files are in `pages/`.
 *
 * @module
 */
import overviewHtml from "./pages/overview.html" with { type: "text" };
import appsHtml from "./pages/apps.html" with { type: "text" };
import appCss from "./pages/app.css" with { type: "text" };
import commonJs from "./pages/common.js" with { type: "text" };
import overviewJs from "./pages/overview.js" with { type: "text" };
import appsJs from "./pages/apps.js" with { type: "text" };
import historyHtml from "./pages/history.html" with { type: "text" };
import historyJs from "./pages/history.js" with { type: "text" };

/** A file served as is. */
export interface Asset {
  /** Its content. */
  body: string;
  /** Its Content-Type. */
  type: string;
  /** Served only with `--consul`. */
  needsApps?: boolean;
}

const HTML = "text/html; charset=utf-8";
const JS = "text/javascript; charset=utf-8";

/** The pages, by URL path. */
export const PAGES: Readonly<Record<string, Asset>> = {
  "/": { body: overviewHtml, type: HTML },
  "/apps": { body: appsHtml, type: HTML, needsApps: true },
  "/history": { body: historyHtml, type: HTML },
};

/** The assets, by file name below `/assets/`. */
export const ASSETS: Readonly<Record<string, Asset>> = {
  "app.css": { body: appCss, type: "text/css; charset=utf-8" },
  "common.js": { body: commonJs, type: JS },
  "overview.js": { body: overviewJs, type: JS },
  "apps.js": { body: appsJs, type: JS },
  "history.js": { body: historyJs, type: JS },
};
