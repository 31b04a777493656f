// A product's reviews from its buyers, in a sheet over the show: the rating,
// the list (newest, most helpful, with photos), more on demand, "Helpful" and
// "Report" for each. Opened from the rating on the pin card or in the bag.
import { el } from "./dom.js";
import { formatCount } from "./format.js";
import { errorText, get, post } from "./http.js";
import { onLanguageChange, setText, t } from "./i18n.js";
import { ratingBadge } from "./rating-view.js";
import { reviewErrorText } from "./review-form.js";
import { reviewElement } from "./review-item.js";

const SORTS = ["newest", "helpful", "photos"];
let sheet = null;

/** Open the reviews of `product` ({id, title}) in the page's one review sheet. */
export function openReviews(product) {
  if (!sheet) {
    sheet = createReviewSheet();
  }
  sheet.open(product);
}

function createReviewSheet() {
  const title = el("h2", { id: "reviews-title" });
  const closeButton = el("button", { type: "button", className: "sheet-close", textContent: "×" });
  const summary = el("p", { className: "reviews-summary" });
  const sortLabel = el("label", { className: "reviews-sort" });
  const sort = el("select", { id: "reviews-sort" });
  sortLabel.append(el("span"), sort);
  const list = el("div", { className: "review-list", attrs: { "aria-live": "polite" } });
  const empty = el("p", { className: "muted reviews-empty", hidden: true });
  const more = el("button", { type: "button", className: "secondary reviews-more", hidden: true });
  const error = el("p", { className: "error", attrs: { role: "alert" } });
  // Buyers write from their order page; this says where, or why they cannot.
  const write = el("button", { type: "button", className: "primary small reviews-write" });
  const refusal = el("p", { className: "reviews-refusal", attrs: { role: "status" } });
  const dialog = el(
    "dialog",
    { id: "reviews", className: "sheet reviews-sheet", attrs: { "aria-labelledby": "reviews-title" } },
    el("div", { className: "sheet-head" }, title, closeButton),
    el("div", { className: "sheet-body" }, summary, el("div", { className: "reviews-bar" }, sortLabel, write), refusal, empty, list, more, error),
  );
  document.body.append(dialog);

  let product = null;
  let reviews = [];
  let cursor = null;
  let rating = null;

  function label() {
    closeButton.setAttribute("aria-label", t("checkout.close"));
    setText(/** @type {HTMLElement} */ (sortLabel.firstChild), "reviews.sort");
    const chosen = sort.value || "newest";
    sort.replaceChildren(...SORTS.map((key) => el("option", { value: key, textContent: t(`reviews.sort.${key}`) })));
    sort.value = chosen;
    setText(more, "reviews.more");
    setText(write, "reviews.write");
    setText(empty, sort.value === "photos" ? "reviews.none_with_photos" : "reviews.none");
  }

  function draw() {
    title.textContent = product ? t("reviews.title", { title: product.title }) : "";
    const badge = ratingBadge(rating);
    summary.replaceChildren(...(badge ? [badge] : []));
    list.replaceChildren(...reviews.map(item));
    empty.hidden = reviews.length > 0;
    more.hidden = !cursor;
  }

  function item(review) {
    const helpful = el("button", { type: "button", className: "secondary small review-helpful" });
    setText(helpful, "reviews.helpful", { n: formatCount(review.helpful_count) });
    helpful.addEventListener("click", () => act(review, "helpful", helpful));
    const report = el("button", { type: "button", className: "link small review-report" });
    setText(report, "reviews.report");
    report.addEventListener("click", () => act(review, "report", report));
    return reviewElement(review, { actions: [helpful, report] });
  }

  async function act(review, action, button) {
    button.disabled = true;
    error.textContent = "";
    try {
      const body = await post(`/api/reviews/${encodeURIComponent(review.id)}/${action}`);
      if (action === "helpful") {
        setText(button, "reviews.helpful", { n: formatCount(body.review.helpful_count) });
      } else {
        setText(button, "reviews.reported"); // hidden for others until the shop decides
      }
    } catch (failure) {
      error.textContent = errorText(failure);
      button.disabled = false;
    }
  }

  async function load(next = false) {
    if (!product) {
      return;
    }
    const query = new URLSearchParams({ sort: sort.value });
    if (next && cursor) {
      query.set("cursor", cursor);
    }
    more.disabled = true;
    try {
      const body = await get(`/api/products/${encodeURIComponent(product.id)}/reviews?${query}`);
      reviews = next ? [...reviews, ...body.reviews] : body.reviews;
      cursor = body.next_cursor;
      rating = body.rating;
      error.textContent = "";
      draw();
    } catch (failure) {
      error.textContent = errorText(failure);
    } finally {
      more.disabled = false;
    }
  }

  write.addEventListener("click", async () => {
    write.disabled = true;
    refusal.textContent = "";
    try {
      const body = await get(`/api/products/${encodeURIComponent(product.id)}/reviewable`);
      const line = body.lines[0];
      location.assign(`/orders/${encodeURIComponent(line.order_id)}#review-${line.line}`);
    } catch (failure) {
      refusal.textContent = reviewErrorText(failure);
    } finally {
      write.disabled = false;
    }
  });
  closeButton.addEventListener("click", () => dialog.close());
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) {
      dialog.close(); // a tap beside the sheet
    }
  });
  sort.addEventListener("change", () => {
    label();
    load();
  });
  more.addEventListener("click", () => load(true));
  onLanguageChange(() => {
    label();
    draw();
  });
  label();

  return {
    open(next) {
      product = next;
      reviews = [];
      cursor = null;
      rating = null;
      refusal.textContent = "";
      sort.value = "newest";
      label();
      draw();
      if (!dialog.open) {
        dialog.showModal();
      }
      load();
    },
  };
}
