// Show cards for the home and creator pages: live (with its viewers now), upcoming
// (local start time and how far off) and past (with its replay's length). The
// whole card opens the show page; the creator's name opens the creator's page.
import { categoryChip } from "./categories.js";
import { el } from "./dom.js";
import { setText, t } from "./i18n.js";
import { formatLength, formatShowDate, formatShowTime, startHint } from "./when.js";

const enc = encodeURIComponent;

/** The path of a creator's public page. */
export function creatorPath(creatorId) {
  return `/creators/${enc(creatorId)}`;
}

function cover(show) {
  if (show.cover_image_url) {
    return el("img", { className: "cover", src: show.cover_image_url, alt: "", loading: "lazy" });
  }
  return el("div", { className: "cover cover-empty", attrs: { "aria-hidden": "true" } });
}

const BADGES = { live: ["live", "badge.live"], upcoming: ["idle", "badge.upcoming"], past: ["ended", "badge.replay"] };

function badge(kind) {
  const [state, key] = BADGES[kind];
  const element = el("span", { className: "badge", dataset: { state } });
  setText(element, key);
  return element;
}

/** The chip in the cover's lower corner: viewers now (live) or the replay's length (past). */
function chip(show, kind) {
  if (kind === "live" && typeof show.viewers === "number") {
    const count = el("span", { className: "chip viewers", dataset: { viewers: String(show.viewers) } });
    setText(count, "cards.watching", { count: show.viewers });
    return count;
  }
  if (kind === "past" && show.replay_duration_ms) {
    const length = el("span", { className: "chip length" }, formatLength(show.replay_duration_ms));
    length.setAttribute("aria-label", t("cards.replay_length", { length: length.textContent }));
    return length;
  }
  return null;
}

function when(show, kind) {
  if (kind === "upcoming" && show.scheduled_at) {
    const hint = startHint(show.scheduled_at);
    return el(
      "span",
      { className: "when" },
      el("time", {
        dateTime: new Date(show.scheduled_at * 1000).toISOString(),
        textContent: formatShowTime(show.scheduled_at),
      }),
      hint ? el("span", { className: "hint-rel" }, hint) : null,
    );
  }
  if (kind === "past" && show.ended_at) {
    const ended = el("time", { dateTime: new Date(show.ended_at * 1000).toISOString() });
    setText(ended, "cards.ended_on", { date: formatShowDate(show.ended_at) });
    return el("span", { className: "when" }, ended);
  }
  return null;
}

/**
 * One show as a list item. `kind` is "live", "upcoming" or "past";
 * `withCreator` links the creator's name (left out on the creator's own page);
 * `action`, when given, is a control at the card's foot (an upcoming show's "Remind me");
 * `creatorAction` one beside the creator's name (the home page's Follow).
 * @param {any} show
 * @param {string} kind
 * @param {{withCreator?: boolean, action?: HTMLElement | null, creatorAction?: HTMLElement | null}} [options]
 */
export function showCard(show, kind, { withCreator = true, action = null, creatorAction = null } = {}) {
  const title = el("a", {
    className: "card-link",
    href: `/watch/${enc(show.id)}`,
    textContent: show.title || t("show.untitled"),
  });
  const meta = el("p", { className: "meta" });
  const creator = show.creator;
  let byline = null;
  if (withCreator && creator && creator.display_name) {
    // The creator's name is text from a person: a text node, never markup.
    const name = el("a", { className: "creator", href: creatorPath(creator.id) }, creator.display_name);
    if (creatorAction) {
      byline = el("div", { className: "byline" }, name, creatorAction);
    } else {
      meta.append(name);
    }
  }
  const time = when(show, kind);
  if (time) {
    meta.append(time);
  }
  const category = categoryChip(show.category);
  if (category) {
    meta.append(category);
  }
  const card = el(
    "article",
    { className: "show-card", dataset: { kind, showId: show.id } },
    el("div", { className: "cover-wrap" }, cover(show), el("span", { className: "corner" }, badge(kind)), chip(show, kind)),
    el("h3", { className: "title" }, title),
    byline,
    meta.childNodes.length ? meta : null,
    action,
  );
  return el("li", {}, card);
}

/** Name the reader's time zone above upcoming times (shown when there are some). */
export function zoneNote(element, shown) {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  setText(element, "cards.times_in_zone", { zone });
  element.hidden = !shown;
}
