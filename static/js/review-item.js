// One review as people read it: stars, the buyer's name, when, the text, its
// photos (tap to see larger), the shop's reply. Every piece of a person's text
// is inserted as text, never markup.
import { el } from "./dom.js";
import { formatDateTime } from "./format.js";
import { t } from "./i18n.js";
import { starsElement } from "./rating-view.js";

let viewer = null; // the one larger-photo dialog of the page

/** Show a review photo larger, in a dialog over the page. */
export function openPhoto(url, alt) {
  if (!viewer) {
    const image = el("img", { className: "review-photo-large", alt: "" });
    const close = el("button", { type: "button", className: "sheet-close", textContent: "×" });
    viewer = el("dialog", { className: "photo-viewer" }, close, image);
    close.addEventListener("click", () => viewer.close());
    viewer.addEventListener("click", (event) => {
      if (event.target === viewer) {
        viewer.close();
      }
    });
    document.body.append(viewer);
  }
  const close = viewer.querySelector("button");
  close.setAttribute("aria-label", t("checkout.close"));
  const image = /** @type {HTMLImageElement} */ (viewer.querySelector("img"));
  image.src = url;
  image.alt = alt;
  viewer.showModal();
}

/** A review's photos as buttons that open them larger. */
export function photoStrip(photos) {
  if (!photos || photos.length === 0) {
    return null;
  }
  return el(
    "div",
    { className: "review-photos" },
    ...photos.map((photo, index) => {
      const alt = t("reviews.photo_alt", { n: index + 1 });
      const button = el(
        "button",
        { type: "button", className: "review-photo", attrs: { "aria-label": t("reviews.photo_open", { n: index + 1 }) } },
        el("img", { src: photo.url, alt, loading: "lazy" }),
      );
      button.addEventListener("click", () => openPhoto(photo.url, alt));
      return button;
    }),
  );
}

/** "Edited" beside a time, when it was. */
function when(at, edited) {
  const text = formatDateTime(at);
  return edited ? t("reviews.edited_at", { time: text }) : text;
}

/**
 * One review as an <article>; `actions` (buttons) go under it.
 * @param {any} review
 * @param {{actions?: Node[], extra?: Node | null}} [options]
 */
export function reviewElement(review, { actions = [], extra = null } = {}) {
  const reply = review.reply
    ? el(
        "div",
        { className: "review-reply" },
        el("p", { className: "review-reply-head", textContent: t("reviews.shop_reply", { time: when(review.reply.at, review.reply.edited) }) }),
        el("p", { className: "review-text", textContent: review.reply.text }),
      )
    : null;
  return el(
    "article",
    { className: "review", dataset: { reviewId: review.id, stars: String(review.stars) } },
    el(
      "p",
      { className: "review-head" },
      starsElement(review.stars),
      el("span", { className: "review-author", textContent: review.author.name }),
      el("span", { className: "review-time muted", textContent: when(review.created_at, review.edited) }),
    ),
    extra,
    review.text ? el("p", { className: "review-text", textContent: review.text }) : null,
    photoStrip(review.photos),
    reply,
    actions.length ? el("p", { className: "review-actions" }, ...actions) : null,
  );
}
