// clusterdeploy serve: the history page. Subscribes to /api/events (the `history` event: the
// history document, as `history --json` prints it, at every change) and renders the records and,
// for the chosen one (the newest unless a row was clicked; the URL's #id keeps the choice), its
// timeline: one row per host, a bar from its start to its end coloured by its result. Every value
// from the cluster is put in the page as text or as an attribute, never as markup.
import { el, setLive, showNavigation, showVersion } from "./common.js";

const SVG = "http://www.w3.org/2000/svg";
const view = { doc: null, chosen: decodeURIComponent(location.hash.slice(1)) || null };

/** An SVG element with its attributes (values set as attributes, never parsed as markup). */
function svg(tag, attributes, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

/** A duration in words, as the CLI shows it. */
function duration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "-";
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

function renderPin(doc) {
  const banner = document.getElementById("pin-banner");
  banner.hidden = doc.pin === null;
  if (doc.pin !== null) {
    const p = doc.pin;
    banner.replaceChildren(
      el("strong", "Pinned"),
      ` to ${p.version} by ${p.by} at ${p.at} (rolled back from ${showVersion(p.from)}); ` +
        "sync will not run until ",
      el("code", "clusterdeploy unpin"),
    );
  }
  const problems = [];
  if (doc.pinProblem !== null) problems.push(`damaged /rollouts data: ${doc.pinProblem}`);
  for (const name of doc.foreign) problems.push(`foreign node /rollouts/${name} (ignored)`);
  document.getElementById("problems").replaceChildren(
    ...problems.map((text) => el("li", text, "error")),
  );
}

function renderRecords(doc) {
  document.querySelector("#records tbody").replaceChildren(
    ...doc.records.map((r) => {
      const row = el("tr", null, `record ${r.id === view.chosen ? "chosen" : ""}`);
      row.dataset.id = r.id;
      row.tabIndex = 0;
      if (r.problem !== undefined) {
        row.append(el("td", r.id), el("td", "damaged", "state damaged"));
        const cell = el("td", r.problem, "error");
        cell.colSpan = 7;
        row.append(cell);
      } else {
        const rollback = r.rollbackFrom === undefined
          ? ""
          : ` (rollback from ${showVersion(r.rollbackFrom).slice(0, 12)})`;
        row.append(
          el("td", r.id),
          el("td", r.state, `state ${r.state.replace(/ /g, "-")}`),
          el("td", String(r.version).slice(0, 12), "version"),
          el("td", r.syncedAt),
          el("td", r.by),
          el("td", r.subject + rollback),
          el("td", `${r.hosts.done}/${r.hosts.failed}/${r.hosts.total}`, "hosts"),
          el("td", duration(r.durationMs)),
        );
        const cell = el("td", null, "mini");
        cell.append(miniTimeline(r));
        row.append(cell);
      }
      const choose = () => {
        view.chosen = r.id;
        history.replaceState(null, "", `#${encodeURIComponent(r.id)}`);
        render();
      };
      row.addEventListener("click", choose);
      row.addEventListener("keydown", (e) => e.key === "Enter" && choose());
      return row;
    }),
  );
  document.getElementById("no-records").hidden = doc.records.length !== 0;
}

/** A record's hosts that reported, its start (the sync) and its span in ms (1 s at least). */
function timeScale(record) {
  const outcomes = (record.outcomes ?? []).filter((o) => o.problem === undefined);
  const t0 = Math.min(
    Date.parse(record.syncedAt),
    ...outcomes.map((o) => Date.parse(o.started)).filter(Number.isFinite),
  );
  const ends = outcomes.map((o) => Date.parse(o.finished)).filter(Number.isFinite);
  return { outcomes, t0, span: Math.max(1000, ...ends.map((t) => t - t0)) };
}

/** A small timeline for the records table: one thin bar per host, coloured by result. */
function miniTimeline(record) {
  const { outcomes, t0, span } = timeScale(record);
  const [width, rowH] = [120, 4];
  const picture = svg("svg", {
    viewBox: `0 0 ${width} ${Math.max(rowH, outcomes.length * rowH)}`,
    role: "img",
    "aria-label": `${outcomes.length} hosts`,
    class: "mini-timeline",
  });
  outcomes.forEach((o, i) => {
    const start = Date.parse(o.started);
    const end = Date.parse(o.finished);
    const x1 = Number.isFinite(start) ? (Math.max(0, start - t0) / span) * width : 0;
    const x2 = Number.isFinite(end) ? (Math.max(0, end - t0) / span) * width : x1;
    const bar = svg("rect", {
      x: x1,
      y: i * rowH,
      width: Math.max(1, x2 - x1),
      height: rowH - 1,
      class: `mini-bar tl-${o.result}`,
    });
    bar.append(svg("title", {}, `${o.name ?? o.host}: ${o.result}`));
    picture.append(bar);
  });
  return picture;
}

/**
 * The timeline of one record: one row per host, a bar from its start to its end (seconds since
 * the sync), coloured by its result, the error of a failed host written after its bar.
 */
function renderTimeline(record) {
  const { outcomes, t0, span } = timeScale(record);
  const [left, width, rowH, top] = [150, 560, 22, 8];
  const height = top + outcomes.length * rowH + 30;
  const picture = svg("svg", {
    viewBox: `0 0 ${left + width + 240} ${height}`,
    role: "img",
    "aria-label": `timeline of rollout ${record.id}`,
    class: "timeline-svg",
  });
  const x = (t) => left + (Math.max(0, t - t0) / span) * width;
  outcomes.forEach((o, i) => {
    const y = top + i * rowH;
    const start = Date.parse(o.started);
    const end = Date.parse(o.finished);
    const row = svg("g", { class: `host-row ${o.result}`, "data-host": o.host });
    row.append(svg("text", { x: left - 6, y: y + 15, class: "host-label" }, o.name ?? o.host));
    const x1 = Number.isFinite(start) ? x(start) : left;
    const x2 = Number.isFinite(end) ? x(end) : x1;
    const bar = svg("rect", {
      x: x1,
      y: y + 3,
      width: Math.max(2, x2 - x1),
      height: rowH - 6,
      class: `tl-bar ${o.result}`,
      "data-host": o.host,
    });
    bar.append(
      svg(
        "title",
        {},
        `${o.name ?? o.host}: ${o.result}, ${duration(end - start)}` +
          (o.error === undefined ? "" : ` — ${o.error}`),
      ),
    );
    row.append(bar);
    if (o.error !== undefined) {
      const text = o.error.length > 60 ? `${o.error.slice(0, 59)}…` : o.error;
      row.append(svg("text", { x: x2 + 6, y: y + 15, class: "tl-error" }, text));
    }
    picture.append(row);
  });
  // The axis, in seconds since the sync.
  const axisY = top + outcomes.length * rowH + 4;
  picture.append(svg("line", { x1: left, x2: left + width, y1: axisY, y2: axisY, class: "axis" }));
  const steps = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200];
  const step = steps.find((s) => span / 1000 / s <= 10) ?? 14400;
  for (let k = 0; k * step * 1000 <= span; k++) {
    const s = k * step;
    const tx = left + (s * 1000 / span) * width;
    picture.append(
      svg("line", { x1: tx, x2: tx, y1: axisY, y2: axisY + 4, class: "axis" }),
      svg("text", { x: tx, y: axisY + 16, class: "tick" }, `${Number(s.toFixed(1))}s`),
    );
  }
  document.getElementById("timeline").replaceChildren(picture);
}

function renderDetail(doc) {
  const section = document.getElementById("detail");
  const record = doc.records.find((r) => r.id === view.chosen) ?? doc.records[0];
  section.hidden = record === undefined || record.problem !== undefined;
  if (section.hidden) return;
  section.dataset.id = record.id;
  document.getElementById("detail-title").textContent = `Rollout ${record.id}: ${
    String(record.version).slice(0, 12)
  } (${record.state})`;
  document.getElementById("detail-summary").textContent =
    `${record.subject} — ${record.author}; synced ${record.syncedAt} by ${record.by} from ` +
    `${showVersion(record.previous)}; ${record.hosts.done} done, ${record.hosts.failed} ` +
    `failed of ${record.hosts.total}; ${duration(record.durationMs)}`;
  renderTimeline(record);
  document.querySelector("#outcomes tbody").replaceChildren(
    ...record.outcomes.map((o) => {
      const row = el("tr", null, o.result ?? "damaged");
      row.dataset.host = o.host;
      if (o.problem !== undefined) {
        const cell = el("td", `damaged outcome: ${o.problem}`, "error");
        cell.colSpan = 6;
        row.append(el("td", o.host), cell);
        return row;
      }
      row.append(
        el("td", o.host),
        el("td", o.name),
        el("td", o.started),
        el("td", o.finished),
        el("td", o.result + (o.allStop ? " (ALL STOP)" : ""), "result"),
        el("td", o.commands),
        el("td", o.error ?? "", "error"),
      );
      return row;
    }),
  );
  const paths = record.paths.map((p) => el("li", p, "path"));
  if (record.changes > record.paths.length) {
    paths.push(el("li", `… and ${record.changes - record.paths.length} more`));
  }
  document.getElementById("paths").replaceChildren(...paths);
}

function render() {
  if (view.doc === null) return;
  renderPin(view.doc);
  renderRecords(view.doc);
  renderDetail(view.doc);
  document.body.dataset.seq = String(view.seq);
}

const events = new EventSource("/api/events");
events.addEventListener("open", () => setLive(true, "live"));
events.addEventListener("error", () => setLive(false, "reconnecting…"));
events.addEventListener("history", (e) => {
  view.doc = JSON.parse(e.data);
  view.seq = e.lastEventId;
  render();
});
showNavigation();
