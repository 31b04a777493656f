// Buyers' ratings shown in small: "★ 4.5 (12)" on the pin card, in the bag, on
// the creator page; and a review's stars.
import { el } from "./dom.js";
import { formatCount } from "./format.js";
import { locale, t } from "./i18n.js";

/** "4.5" in the page's language (one decimal). */
export function formatAverage(average) {
  return new Intl.NumberFormat(locale(), { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(average);
}

/**
 * A product's or shop's rating, or null when it has no reviews shown. With
 * `onOpen` it is a button (it opens the reviews); without, plain text.
 * @param {{average: number | null, count: number} | null | undefined} rating
 * @param {(() => void) | null} [onOpen]
 */
export function ratingBadge(rating, onOpen = null) {
  if (!rating || !rating.count || rating.average === null) {
    return null;
  }
  const label = t("reviews.rating_label", { average: formatAverage(rating.average), n: formatCount(rating.count) });
  const parts = [
    el("span", { className: "rating-star", textContent: "★", attrs: { "aria-hidden": "true" } }),
    el("span", { className: "rating-average", textContent: formatAverage(rating.average) }),
    el("span", { className: "rating-count", textContent: t("reviews.count", { n: formatCount(rating.count) }) }),
  ];
  const props = { className: "rating", attrs: { "aria-label": label, title: label } };
  if (!onOpen) {
    return el("span", props, ...parts);
  }
  const button = el("button", { ...props, type: "button", className: "rating rating-open" }, ...parts);
  button.addEventListener("click", onOpen);
  return button;
}

/** A review's stars as "★★★★☆", read out as "4 of 5 stars". */
export function starsElement(stars) {
  return el("span", {
    className: "review-stars",
    textContent: "★".repeat(stars) + "☆".repeat(5 - stars),
    attrs: { role: "img", "aria-label": t("reviews.stars", { n: stars }) },
  });
}
