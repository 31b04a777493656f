// The creator's shows, newest first, each opening its room; an upcoming one says
// how many guests will be reminded of it.
import { showError } from "./console-notice.js";
import { $, el } from "./dom.js";
import { timeElement } from "./format.js";
import { errorText, get } from "./http.js";
import { setText, t } from "./i18n.js";

let shows = [];
/** @type {Map<string, number>} reminders per upcoming show, as last read */
const reminders = new Map();

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
      reminderCount(show),
    ),
    statusBadge(show.status, show.live),
  );
}

function reminderCount(show) {
  const count = reminders.get(show.id);
  if (show.status !== "scheduled" || count === undefined) {
    return null;
  }
  const note = el("span", { className: "muted reminders", dataset: { count: String(count) } });
  setText(note, "remind.waiting", { count });
  return note;
}

/** Read the reminder count of each upcoming show (the creator's own: the API tells them only). */
async function loadReminders() {
  const upcoming = shows.filter((show) => show.status === "scheduled");
  const counts = await Promise.all(
    upcoming.map((show) =>
      get(`/api/shows/${encodeURIComponent(show.id)}/reminder`)
        .then((body) => body.reminders)
        .catch(() => null), // a count that cannot load is left out
    ),
  );
  upcoming.forEach((show, index) => {
    if (typeof counts[index] === "number") {
      reminders.set(show.id, counts[index]);
    }
  });
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
    await loadReminders();
    draw();
  } catch (error) {
    shows = [];
    draw();
    showError($("shows-empty"), errorText(error));
  }
}

export const showsView = { section: "view-shows", enter: load, relabel: draw };
