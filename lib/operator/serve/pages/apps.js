// clusterdeploy serve: the Apps page. Reads /api/apps (Consul's app/<name> records, checked by
// the server) every few seconds and shows every value as text.
import { el, setLive, showNavigation } from "./common.js";

const REFRESH_MS = 5000;

function render(apps) {
  document.querySelector("#apps tbody").replaceChildren(
    ...apps.map((app) => {
      const row = el("tr", null, app.problems.length ? "failed" : "");
      row.dataset.app = app.name;
      const cells = [
        ["name", app.name],
        ["master", app.master ?? "-"],
        ["slave", app.slave ?? "-"],
        ["urls", app.urls ?? "-"],
        ["deploy_id", app.deploy_id ?? "-"],
        ["maintenance", app.maintenance ? "on" : "off"],
        ["error", app.error ?? ""],
        ["problems", app.problems.join("; ")],
      ];
      for (const [key, value] of cells) {
        const cell = el("td", value, key === "error" || key === "problems" ? "error" : key);
        cell.dataset.col = key;
        row.append(cell);
      }
      return row;
    }),
  );
  document.getElementById("no-apps").hidden = apps.length !== 0;
}

async function load() {
  const problem = document.getElementById("apps-error");
  try {
    const response = await fetch("/api/apps");
    const body = await response.json();
    if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
    render(body);
    problem.hidden = true;
    setLive(true, `updated ${new Date().toLocaleTimeString()}`);
  } catch (error) {
    problem.textContent = `Cannot read the apps: ${error.message}`;
    problem.hidden = false;
    setLive(false, "Consul unreachable");
  }
}

load();
showNavigation();
setInterval(load, REFRESH_MS);
