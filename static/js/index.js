// The home page: shows live now, then upcoming ones, each linking to its show page.
import { $, fetchShows } from "./api.js";
import { el } from "./dom.js";
import { formatDateTime } from "./format.js";
import { errorText } from "./http.js";
import { initI18n, onLanguageChange, setText, t } from "./i18n.js";

const REFRESH_MS = 10000;
let lists = { live: [], scheduled: [] };

function cover(show) {
  if (show.cover_image_url) {
    return el("img", { className: "cover", src: show.cover_image_url, alt: "", loading: "lazy" });
  }
  return el("div", { className: "cover cover-empty", attrs: { "aria-hidden": "true" } });
}

function showCard(show, live) {
  const badge = el("span", { className: "badge", dataset: { state: live ? "live" : "idle" } });
  setText(badge, live ? "badge.live" : "badge.upcoming");
  const meta = el("span", { className: "meta" });
  const creator = show.creator && show.creator.display_name;
  if (creator) {
    meta.append(el("span", { className: "creator" }, creator)); // text, never markup
  }
  if (!live && show.scheduled_at) {
    meta.append(
      el("time", {
        className: "when",
        dateTime: new Date(show.scheduled_at * 1000).toISOString(),
        textContent: formatDateTime(show.scheduled_at),
      }),
    );
  }
  const link = el(
    "a",
    { className: "show-card", href: `/watch/${encodeURIComponent(show.id)}`, dataset: { live: String(live) } },
    el("span", { className: "cover-wrap" }, cover(show), el("span", { className: "corner" }, badge)),
    el("span", { className: "title", textContent: show.title || t("show.untitled") }),
    meta,
  );
  return el("li", {}, link);
}

function render() {
  $("live-shows").replaceChildren(...lists.live.map((show) => showCard(show, true)));
  $("upcoming-shows").replaceChildren(...lists.scheduled.map((show) => showCard(show, false)));
  $("live-empty").hidden = lists.live.length > 0;
  $("upcoming-empty").hidden = lists.scheduled.length > 0;
}

async function load() {
  try {
    const [live, scheduled] = await Promise.all([fetchShows("live"), fetchShows("scheduled")]);
    // Soonest first; shows without a time after those with one.
    scheduled.sort((a, b) => (a.scheduled_at ?? Infinity) - (b.scheduled_at ?? Infinity));
    lists = { live, scheduled };
    render();
    $("error").textContent = "";
  } catch (error) {
    setText($("error"), "home.load_failed", { reason: errorText(error) });
  }
}

initI18n();
onLanguageChange(render);
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
