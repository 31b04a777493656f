// The home page: shows live now (with their viewers), upcoming ones (in the
// reader's time zone) and past ones with a replay, each opening its show page;
// above them a search over shows, products and creators.
import { setUpAccountMenu } from "./account-menu.js";
import { mountBell } from "./bell.js";
import { $ } from "./dom.js";
import { cardFollow } from "./follow-button.js";
import { ForYou } from "./foryou.js";
import { errorText, get } from "./http.js";
import { initI18n, onLanguageChange, setText } from "./i18n.js";
import { PastShows } from "./past-shows.js";
import { cardRemind } from "./remind-button.js";
import { createSearch } from "./search-view.js";
import { showCard, zoneNote } from "./show-cards.js";

const REFRESH_MS = 10000;
/** @type {{live: any[], upcoming: any[]}} */
let lists = { live: [], upcoming: [] };
let loaded = false;

function showError(error) {
  setText($("error"), "home.load_failed", { reason: errorText(error) });
}

/** The notice goes once loading works again (and stays gone after a language switch). */
function clearError() {
  const notice = $("error");
  delete notice.dataset.i18n;
  delete notice.dataset.i18nArgs;
  notice.textContent = "";
}

const forYou = new ForYou({
  list: $("foryou-shows"),
  empty: $("foryou-empty"),
  toggle: $("foryou-toggle", HTMLInputElement),
  toggleRow: $("foryou-switch"),
  offNote: $("foryou-off"),
  onError: showError,
});

const past = new PastShows({
  list: $("past-shows"),
  more: $("past-more", HTMLButtonElement),
  empty: $("past-empty"),
  onError: showError,
});

function render() {
  if (!loaded) {
    return;
  }
  forYou.render();
  $("live-shows").replaceChildren(
    ...lists.live.map((show) => showCard(show, "live", { creatorAction: cardFollow(show.creator) })),
  );
  $("upcoming-shows").replaceChildren(
    ...lists.upcoming.map((show) =>
      showCard(show, "upcoming", { action: cardRemind(show.id), creatorAction: cardFollow(show.creator) }),
    ),
  );
  $("live-empty").hidden = lists.live.length > 0;
  $("upcoming-empty").hidden = lists.upcoming.length > 0;
  zoneNote($("upcoming-zone"), lists.upcoming.length > 0);
  past.render();
}

async function load() {
  try {
    const [live, upcoming] = await Promise.all([
      get("/api/shows?status=live"),
      get("/api/shows?status=scheduled"),
      past.refresh(),
      forYou.refresh(),
    ]);
    lists = { live: live.shows, upcoming: upcoming.shows };
    loaded = true;
    render();
    clearError();
  } catch (error) {
    showError(error);
  }
}

initI18n();
setUpAccountMenu(document.querySelector("header.bar"));
mountBell();
const search = createSearch({
  form: $("search-form", HTMLFormElement),
  input: $("search-input", HTMLInputElement),
  category: $("search-category", HTMLSelectElement),
  results: $("search-results"),
  lists: [...document.querySelectorAll("main.listing > section:not(#search-results)")].map((section) => /** @type {HTMLElement} */ (section)),
});
onLanguageChange(() => {
  render();
  search.relabel();
});
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
