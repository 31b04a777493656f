// The creator's shows, newest first, each opening its room.
import { showError } from "./console-notice.js";
import { $, el } from "./dom.js";
import { timeElement } from "./format.js";
import { errorText, get } from "./http.js";
import { t } from "./i18n.js";

let shows = [];

/** A show's status badge: LIVE / UPCOMING / ENDED. */
export function statusBadge(status, live) {
  const state = live || status === "live" ? "live" : status === "ended" ? "ended" : "idle";
  const key = state === "live" ? "badge.live" : state === "ended" ? "badge.ended" : "badge.upcoming";
  return el("span", { className: "badge", dataset: { state, i18n: key }, textContent: t(key) });
}

function row(show) {
  const when = show.scheduled_at ? timeElement(show.scheduled_at * 1000, "datetime", "muted") : null;
  return el(
    "li",
    { className: "row", dataset: { id: show.id } },
    show.cover_image_url ? el("img", { className: "thumb", src: show.cover_image_url, alt: "" }) : el("span", { className: "thumb" }),
    el(
      "a",
      { className: "row-main", href: `/console/shows/${encodeURIComponent(show.id)}`, dataset: { nav: "" } },
      el("strong", { textContent: show.title }),
      when,
    ),
    statusBadge(show.status, show.live),
  );
}

function draw() {
  $("show-list").replaceChildren(...shows.map(row));
  $("shows-empty").hidden = shows.length > 0;
}

async function load() {
  try {
    const body = await get("/api/shows?mine=1");
    shows = body.shows || [];
    draw();
  } catch (error) {
    shows = [];
    draw();
    showError($("shows-empty"), errorText(error));
  }
}

export const showsView = { section: "view-shows", enter: load, relabel: draw };
