// clusterdeploy serve: helpers every page shares. Every value from the cluster is put in the
// page as text (textContent), never as markup.

/** An element `tag` with `text` as its text and `className`. */
export function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

/** A version as the CLI shows it: None, False, the commit or number, "-" for none. */
export function showVersion(version) {
  if (version === null) return "None";
  if (version === false) return "False";
  if (version === undefined) return "-";
  return String(version);
}

/** Shows whether the page is live (connected to the event stream). */
export function setLive(on, text) {
  const live = document.getElementById("live");
  live.textContent = text;
  live.className = `live ${on ? "on" : "off"}`;
}

/** Shows the links of the pages this server offers (/api/info: Apps with --consul, History). */
export async function showNavigation() {
  try {
    const info = await (await fetch("/api/info")).json();
    document.getElementById("nav-apps")?.toggleAttribute("hidden", info.apps !== true);
    document.getElementById("nav-history")?.toggleAttribute("hidden", info.history !== true);
  } catch {
    // the link stays hidden
  }
}
