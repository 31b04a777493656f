// A creator's public page: their live show, upcoming shows (in the reader's
// time zone) and past shows with a replay, from GET /api/creators/{id}.
import { showIdFromPath } from "./api.js";
import { mountBell } from "./bell.js";
import { $ } from "./dom.js";
import { FollowButton } from "./follow-button.js";
import { errorText, get } from "./http.js";
import { initI18n, onLanguageChange, t } from "./i18n.js";
import { PastShows } from "./past-shows.js";
import { ratingBadge } from "./rating-view.js";
import { cardRemind } from "./remind-button.js";
import { showCard, zoneNote } from "./show-cards.js";

const REFRESH_MS = 10000;
const creatorId = showIdFromPath(); // the last path segment, as for /watch/{id}
let page = null;
let shopRating = null; // {average, count} of the shop's reviews from its buyers
let timer = null;

function showError(error) {
  const notice = $("error");
  notice.dataset.code = error.code || "";
  notice.textContent = errorText(error);
}

const follow = new FollowButton($("creator-follow"), creatorId);
$("creator-message", HTMLAnchorElement).href = `/messages?to=${encodeURIComponent(creatorId)}`;

const past = new PastShows({
  list: $("past-shows"),
  more: $("past-more", HTMLButtonElement),
  empty: $("past-empty"),
  creatorId,
  withCreator: false,
  onError: showError,
});

function render() {
  if (!page) {
    return;
  }
  const name = page.creator.display_name;
  $("creator-name").textContent = name; // a person's text: never markup
  $("creator-avatar").textContent = Array.from(name.trim())[0] || "";
  document.title = t("creator.page_title", { name });
  $("creator-head").hidden = false;
  const badge = ratingBadge(shopRating);
  $("creator-rating").hidden = !badge;
  $("creator-rating").replaceChildren(...(badge ? [t("creator.shop_rating"), " ", badge] : []));
  $("creator-live").hidden = page.live.length === 0;
  $("live-shows").replaceChildren(...page.live.map((show) => showCard(show, "live", { withCreator: false })));
  $("upcoming-shows").replaceChildren(
    ...page.upcoming.map((show) => showCard(show, "upcoming", { withCreator: false, action: cardRemind(show.id) })),
  );
  $("upcoming-empty").hidden = page.upcoming.length > 0;
  zoneNote($("upcoming-zone"), page.upcoming.length > 0);
  follow.render();
  past.render();
  $("creator-body").hidden = false;
}

/** The shop's rating, or null (the page shows without it when it cannot be read). */
async function loadRating(id) {
  try {
    return (await get(`/api/creators/${id}/rating`)).rating;
  } catch (_unreachable) {
    return null;
  }
}

async function load() {
  try {
    const id = encodeURIComponent(creatorId);
    [page, shopRating] = await Promise.all([get(`/api/creators/${id}`), loadRating(id), follow.refresh()]);
    if (!past.paged) {
      past.set(page.past, page.next_before); // the first page comes with the creator
    }
    $("error").textContent = "";
    render();
  } catch (error) {
    showError(error);
    if (error.code === "creator_not_found") {
      clearInterval(timer);
      document.title = t("error.creator_not_found");
    }
  }
}

/** A newcomer sent here by a card's Follow chooses a name, and the row then follows. */
async function offerNameIfAsked() {
  if (location.hash !== "#follow" || !follow.state || follow.state.following || follow.state.own) {
    return;
  }
  const { viewer } = await get("/api/viewer");
  if (!viewer) {
    follow.offerName();
  }
}

initI18n();
mountBell();
onLanguageChange(() => {
  render();
  if ($("error").dataset.code === "creator_not_found") {
    $("error").textContent = t("error.creator_not_found");
  }
});
load().then(() => offerNameIfAsked().catch(() => {})); // the form then shows with its row
timer = setInterval(() => {
  if (!document.hidden) {
    load();
  }
}, REFRESH_MS);
