// The home page's search: a box (and a category) that searches as one types,
// results grouped by kind (shows, products, creators) in place of the lists,
// kept in the address (?q=&category=) so a search can be shared, reloaded and
// left with the Back button. Everything a person wrote is inserted as text.
import { CATEGORIES, categoryChip, categoryKey } from "./categories.js";
import { el } from "./dom.js";
import { formatMoney } from "./format.js";
import { errorText, get } from "./http.js";
import { setText } from "./i18n.js";
import { creatorPath, showCard } from "./show-cards.js";

const TYPING_PAUSE_MS = 250;
const CARD_KIND = { live: "live", scheduled: "upcoming", ended: "past" };

/**
 * @typedef {object} SearchParts
 * @property {HTMLFormElement} form the search form (its submit searches at once)
 * @property {HTMLInputElement} input what people type
 * @property {HTMLSelectElement} category the category filter ("" is every category)
 * @property {HTMLElement} results the results section, shown instead of `lists`
 * @property {HTMLElement[]} lists the page's own sections, hidden while results show
 */

/** A product found: its picture, title, price, creator and category; opens where it is sold. */
function productItem(product) {
  const picture = product.image_url
    ? el("img", { className: "result-thumb", src: product.image_url, alt: "", loading: "lazy" })
    : el("span", { className: "result-thumb result-thumb-empty", attrs: { "aria-hidden": "true" } });
  const meta = el(
    "span",
    { className: "result-meta" },
    el("span", { className: "result-price" }, formatMoney(product.price_minor, product.currency)),
    el("span", {}, product.creator.display_name),
    categoryChip(product.category),
  );
  return el(
    "li",
    {},
    el(
      "a",
      { className: "result", href: product.url, dataset: { productId: product.id } },
      picture,
      el("span", { className: "result-text" }, el("span", { className: "result-title" }, product.title), meta),
    ),
  );
}

/** A creator found: their initial and name; opens their page. */
function creatorItem(creator) {
  const initial = Array.from(creator.display_name.trim())[0] || "";
  return el(
    "li",
    {},
    el(
      "a",
      { className: "result", href: creatorPath(creator.id), dataset: { creatorId: creator.id } },
      el("span", { className: "result-thumb result-avatar", attrs: { "aria-hidden": "true" } }, initial),
      el("span", { className: "result-text" }, el("span", { className: "result-title" }, creator.display_name)),
    ),
  );
}

/** A titled group of results, or null when the kind found nothing. */
function group(kind, items, listClass) {
  if (!items.length) {
    return null;
  }
  const heading = el("h3", { className: "section-title" });
  setText(heading, `search.${kind}`);
  return el("section", { className: "result-group", dataset: { kind } }, heading, el("ul", { className: listClass }, ...items));
}

/** Fill the category filter: "All categories" first, then each category by its name. */
function fillFilter(select) {
  const all = el("option", { value: "" });
  setText(all, "search.all_categories");
  const options = CATEGORIES.map((name) => {
    const option = el("option", { value: name });
    setText(option, categoryKey(name));
    return option;
  });
  const chosen = select.value;
  select.replaceChildren(all, ...options);
  select.value = chosen;
}

/**
 * Wire the search box of a page; returns `{active}`, true while results replace the lists.
 * @param {SearchParts} parts
 */
export function createSearch({ form, input, category, results, lists }) {
  let timer = 0;
  let asked = 0; // answers to older searches are dropped when a newer one was sent
  let shown = { q: "", category: "" };
  let last = null;
  fillFilter(category);

  function setActive(active) {
    results.hidden = !active;
    for (const section of lists) {
      section.hidden = active;
    }
  }

  function note(key, params) {
    const line = el("p", { className: "muted empty-note", attrs: { role: "status" } });
    setText(line, key, params);
    return line;
  }

  function render() {
    if (!last) {
      return;
    }
    const { body, q } = last;
    const shows = (body.shows || []).map((show) => showCard(show, CARD_KIND[show.status] || "past"));
    const groups = /** @type {HTMLElement[]} */ (
      [
        group("shows", shows, "show-grid"),
        group("products", (body.products || []).map(productItem), "result-list"),
        group("creators", (body.creators || []).map(creatorItem), "result-list"),
      ].filter(Boolean)
    );
    const heading = el("h2", { className: "section-title", id: "search-heading" });
    setText(heading, "search.results_for", { q });
    results.replaceChildren(heading, ...(groups.length ? groups : [note("search.nothing", { q })]));
  }

  function showFailure(error) {
    last = null;
    const heading = el("h2", { className: "section-title" });
    setText(heading, "search.results_for", { q: shown.q });
    const line = el("p", { className: "error page-note", attrs: { role: "alert" } });
    setText(line, "search.failed", { reason: errorText(error) });
    results.replaceChildren(heading, line);
  }

  /** Search now for what the box and the filter say (or go back to the lists when empty). */
  async function run({ push = false } = {}) {
    window.clearTimeout(timer);
    const q = input.value;
    const wanted = { q: q.trim() ? q : "", category: category.value };
    const url = new URL(window.location.href);
    url.search = "";
    if (wanted.q) {
      url.searchParams.set("q", wanted.q);
      if (wanted.category) {
        url.searchParams.set("category", wanted.category);
      }
    }
    if (url.href !== window.location.href) {
      window.history[push ? "pushState" : "replaceState"](null, "", url);
    }
    shown = wanted;
    if (!wanted.q) {
      asked += 1;
      last = null;
      results.replaceChildren();
      setActive(false);
      return;
    }
    setActive(true);
    results.setAttribute("aria-busy", "true");
    const ticket = ++asked;
    const params = new URLSearchParams({ q: wanted.q });
    if (wanted.category) {
      params.set("category", wanted.category);
    }
    try {
      const body = await get(`/api/search?${params}`);
      if (ticket === asked) {
        last = { body, q: wanted.q.trim() };
        render();
      }
    } catch (error) {
      if (ticket === asked) {
        showFailure(error);
      }
    } finally {
      if (ticket === asked) {
        results.removeAttribute("aria-busy");
      }
    }
  }

  /** Take the search from the address (on load and on Back/Forward). */
  function fromAddress() {
    const params = new URLSearchParams(window.location.search);
    input.value = params.get("q") || "";
    category.value = CATEGORIES.includes(params.get("category") || "") ? params.get("category") || "" : "";
    run();
  }

  input.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => run(), TYPING_PAUSE_MS);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && input.value) {
      event.preventDefault();
      input.value = "";
      run({ push: true });
    }
  });
  category.addEventListener("change", () => run({ push: true }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run({ push: true });
    input.blur(); // a phone's keyboard goes away to show the results
  });
  window.addEventListener("popstate", fromAddress);
  fromAddress();

  return {
    get active() {
      return !results.hidden;
    },
    /** Re-draw in the page's language (the results keep their data). */
    relabel() {
      fillFilter(category);
      render();
    },
  };
}
