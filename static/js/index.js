// The home page: live shows first, then the others, each linking to its watch page.
import { $, fetchShows } from "./api.js";

const REFRESH_MS = 10000;
const STATUS_TEXT = { scheduled: "UPCOMING", live: "OFF AIR", ended: "ENDED" };

function showItem(show) {
  const link = document.createElement("a");
  link.className = "show";
  link.href = `/watch/${encodeURIComponent(show.id)}`;
  link.dataset.live = show.live ? "true" : "false";
  link.dataset.status = String(show.status || "");

  const badge = document.createElement("span");
  badge.className = "badge";
  badge.dataset.state = show.live ? "live" : "idle";
  badge.textContent = show.live
    ? "● LIVE"
    : STATUS_TEXT[show.status] || String(show.status || "").toUpperCase();

  const title = document.createElement("span");
  title.className = "title";
  title.textContent = show.title || "Untitled show"; // text, never markup

  const arrow = document.createElement("span");
  arrow.className = "go";
  arrow.setAttribute("aria-hidden", "true");
  arrow.textContent = show.live ? "Watch ›" : "›";

  link.append(badge, title, arrow);
  const item = document.createElement("li");
  item.append(link);
  return item;
}

async function load() {
  try {
    const shows = await fetchShows();
    // Stable sort: live first, the server's order (newest first) otherwise.
    const ordered = [...shows].sort((a, b) => Number(Boolean(b.live)) - Number(Boolean(a.live)));
    $("shows").replaceChildren(...ordered.map(showItem));
    $("empty").hidden = ordered.length > 0;
    $("error").textContent = "";
  } catch (error) {
    $("error").textContent = `Could not load the shows (${error.message}).`;
  }
}

load();
setInterval(() => {
  if (!document.hidden) {
    load();
  }
}, REFRESH_MS);
document.addEventListener("visibilitychange", () => {
  if (!document.hidden) {
    load();
  }
});
