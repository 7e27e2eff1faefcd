// clusterdeploy serve: the overview page. Subscribes to /api/events (server-sent events: the
// status document at every change; the browser reconnects by itself) and renders the document.
import { el, setLive, showNavigation, showVersion } from "./common.js";

const view = { sortKey: "id", sortDir: 1, filter: "", doc: null };

/** A host's state for the picture and the row: failed, down, converged or behind. */
function hostState(host) {
  if (host.error !== null) return "failed";
  if (!host.connected) return "down";
  return host.converged ? "converged" : "behind";
}

function renderCluster(doc) {
  document.getElementById("cluster-version").textContent = doc.state === "uninitialised"
    ? "none yet (run sync)"
    : showVersion(doc.version);
  const state = document.getElementById("cluster-state");
  state.textContent = { running: "running", stopped: "ALL STOP", paused: "paused (False)" }[
    doc.state
  ] ?? doc.state;
  state.className = `state ${doc.state}`;
  if (doc.pin) state.textContent += ", pinned";
  renderPin(doc);
  renderCurrent(doc);
  const converged = doc.hosts.filter((h) => h.converged).length;
  const failed = doc.hosts.filter((h) => h.error !== null).length;
  document.getElementById("cluster-summary").textContent =
    `${converged} of ${doc.hosts.length} at the cluster version` +
    (failed ? `, ${failed} failed` : "");
  document.getElementById("stop-banner").hidden = doc.state !== "stopped";
  document.getElementById("pause-banner").hidden = doc.state !== "paused";
  const list = document.getElementById("stop-hosts");
  list.replaceChildren(
    ...doc.hosts.filter((h) => h.error !== null).map((h) => {
      const item = el("li");
      item.append(el("strong", h.name ?? h.id), ": ", el("span", h.error, "error"));
      return item;
    }),
  );
}

/** How long ago `iso` was, in words (`42s ago`, `3m ago`, `2h ago`, `4d ago`). */
function ago(iso) {
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  if (!Number.isFinite(s)) return "";
  if (s < 60) return `${Math.max(0, s)}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

/** The pin (set by a rollback): to what, by whom, when, from which version. */
function renderPin(doc) {
  const banner = document.getElementById("pin-banner");
  banner.hidden = !doc.pin;
  if (!doc.pin) return;
  const p = doc.pin;
  banner.replaceChildren(
    el("strong", "Pinned"),
    ` to ${p.version} by ${p.by} at ${p.at} (${ago(p.at)}), rolled back from ` +
      `${showVersion(p.from)}: sync will not run until `,
    el("code", "clusterdeploy unpin"),
  );
}

/** The current rollout (the newest record): version, subject, author, who synced, when. */
function renderCurrent(doc) {
  const current = document.getElementById("current");
  const c = doc.current;
  if (!c) {
    current.textContent = "no rollout recorded";
    return;
  }
  current.replaceChildren(
    el("code", String(c.version).slice(0, 12)),
    " ",
    el("span", c.subject, "subject"),
    ` by ${c.author ?? "?"}; synced by ${c.by} ${ago(c.syncedAt)} (${c.state})`,
  );
}

/**
 * Per-app rollout progress, when the status document carries it (`rollouts`: one entry per app
 * with a rollout policy, as `status --json` summarises what the agents publish: `path`,
 * `atVersion` of `total`, `deploying`, `checking` with `secondsLeft`, `waitingSlot`,
 * `waitingCanaries`, `failed`). Documents without it render nothing.
 */
export function renderRolloutProgress(doc) {
  const section = document.getElementById("progress");
  const entries = Array.isArray(doc.rollouts) ? doc.rollouts : [];
  section.hidden = entries.length === 0;
  const parts = [
    ["atVersion", "at", "at the cluster version"],
    ["deploying", "deploying", "deploying"],
    ["checking", "checking", "checking health"],
    ["waitingSlot", "waiting", "waiting for a slot"],
    ["waitingCanaries", "waiting", "waiting for canaries"],
    ["failed", "failed", "failed"],
  ];
  document.getElementById("progress-bars").replaceChildren(
    ...entries.map((entry) => {
      const row = el("div", null, "rollout");
      const total = Number(entry.total ?? 0);
      row.append(el("h3", `${entry.path ?? "?"} (${Number(entry.atVersion ?? 0)}/${total})`));
      const bar = el("div", null, "bar");
      const legend = [];
      for (const [key, css, label] of parts) {
        const count = Number(entry[key] ?? 0);
        if (!(count > 0)) continue;
        const part = el("span", null, css);
        part.style.flexGrow = String(count); // CSSOM, allowed by the CSP (no style attribute)
        part.title = `${count} ${label}`;
        bar.append(part);
        const left = key === "checking" && typeof entry.secondsLeft === "number"
          ? ` (${entry.secondsLeft} s left)`
          : "";
        legend.push(`${count} ${label}${left}`);
      }
      row.append(bar, el("p", legend.join(", ")));
      return row;
    }),
  );
}

function renderGrid(doc) {
  document.getElementById("grid").replaceChildren(
    ...doc.hosts.map((h) => {
      const cell = el("span", null, `cell ${hostState(h)}`);
      cell.setAttribute("role", "listitem");
      cell.dataset.host = h.id;
      cell.title = `${h.name ?? h.id}: ${showVersion(h.version ?? undefined)}` +
        (h.error !== null ? ` — ${h.error}` : "");
      return cell;
    }),
  );
}

function sortValue(host, key) {
  const v = key === "version" ? showVersion(host.version ?? undefined) : host[key];
  return v === null || v === undefined ? "" : typeof v === "boolean" ? (v ? 1 : 0) : String(v);
}

function renderHosts(doc) {
  const words = view.filter.toLowerCase();
  const hosts = doc.hosts.filter((h) =>
    words === "" ||
    [h.id, h.name, h.role, showVersion(h.version ?? undefined), h.error]
      .some((v) => v !== null && String(v).toLowerCase().includes(words))
  ).sort((a, b) => {
    const x = sortValue(a, view.sortKey);
    const y = sortValue(b, view.sortKey);
    return (x < y ? -1 : x > y ? 1 : 0) * view.sortDir;
  });
  document.querySelector("#hosts tbody").replaceChildren(
    ...hosts.map((h) => {
      const row = el("tr", null, hostState(h));
      row.dataset.host = h.id;
      const cells = [
        ["id", h.id],
        ["name", h.name ?? "-"],
        ["role", h.role ?? "-"],
        ["version", showVersion(h.version ?? undefined)],
        ["converged", h.converged ? "yes" : "no"],
        ["connected", h.connected ? "up" : "down"],
        ["error", h.error ?? ""],
      ];
      for (const [key, value] of cells) {
        const cell = el("td", value, key);
        cell.dataset.col = key;
        row.append(cell);
      }
      return row;
    }),
  );
  document.getElementById("no-hosts").hidden = doc.hosts.length !== 0;
  for (const th of document.querySelectorAll("#hosts th[data-key]")) {
    th.classList.toggle("sorted-asc", th.dataset.key === view.sortKey && view.sortDir === 1);
    th.classList.toggle("sorted-desc", th.dataset.key === view.sortKey && view.sortDir === -1);
  }
}

function renderLocks(doc) {
  const who = (r) => `${r.requestor ?? "?"} (${r.hostname ?? "?"}, ${r.name})`;
  document.querySelector("#locks tbody").replaceChildren(
    ...doc.roleLocks.map((lock) => {
      const [holder, ...waiting] = lock.requests;
      const row = el("tr");
      row.dataset.role = lock.role;
      row.append(
        el("td", lock.role),
        el("td", holder ? who(holder) : "free"),
        el("td", waiting.map(who).join(", ")),
      );
      return row;
    }),
  );
  document.getElementById("no-locks").hidden = doc.roleLocks.length !== 0;
  document.getElementById("locks").hidden = doc.roleLocks.length === 0;
}

function render() {
  const doc = view.doc;
  if (doc === null) return;
  renderCluster(doc);
  renderRolloutProgress(doc);
  renderGrid(doc);
  renderHosts(doc);
  renderLocks(doc);
  document.body.dataset.seq = String(view.seq);
}

function sortBy(key) {
  view.sortDir = view.sortKey === key ? -view.sortDir : 1;
  view.sortKey = key;
  render();
}

for (const th of document.querySelectorAll("#hosts th[data-key]")) {
  th.addEventListener("click", () => sortBy(th.dataset.key));
  th.addEventListener("keydown", (e) => e.key === "Enter" && sortBy(th.dataset.key));
}
document.getElementById("filter").addEventListener("input", (e) => {
  view.filter = e.target.value;
  render();
});

const events = new EventSource("/api/events");
events.addEventListener("open", () => setLive(true, "live"));
events.addEventListener("error", () => setLive(false, "reconnecting…"));
events.addEventListener("status", (e) => {
  view.doc = JSON.parse(e.data);
  view.seq = e.lastEventId;
  render();
});
setInterval(render, 10_000); // keeps "… ago" current between changes
showNavigation();
