// The buyer's review form for one order line: stars, words, up to three photos
// (uploaded first, checked by the server like product images), then the review
// is written (or, for an edit, changed).
import { el } from "./dom.js";
import { errorText, patch, post, upload } from "./http.js";
import { has, setText, t } from "./i18n.js";

const MAX_PHOTOS = 3;

/** Words for a failed review action; a refusal says why (not bought, not paid, refunded). */
export function reviewErrorText(error) {
  const reason = error && error.details && error.details.reason;
  if (error && error.code === "review_not_allowed" && has(`error.review_not_allowed.${reason}`)) {
    return t(`error.review_not_allowed.${reason}`);
  }
  return errorText(error);
}

/**
 * A form for `line` of `order`; `review` is the buyer's review to edit (or
 * null), `onDone(review)` gets the stored review, `onCancel()` closes it.
 */
export function reviewForm({ order, line, review, onDone, onCancel }) {
  let stars = review ? review.stars : 0;
  const prefix = `review-${line.position}`;
  const legend = el("legend");
  setText(legend, "reviews.form.stars");
  const starButtons = [1, 2, 3, 4, 5].map((n) => {
    const button = el("button", {
      type: "button",
      className: "star-choice",
      textContent: "★",
      dataset: { stars: String(n) },
      attrs: { "aria-label": t("reviews.stars", { n }) },
    });
    button.addEventListener("click", () => {
      stars = n;
      drawStars();
    });
    return button;
  });
  const text = el("textarea", { id: `${prefix}-text`, rows: 4, value: review ? review.text : "" });
  const textLabel = el("label", { htmlFor: text.id });
  setText(textLabel, "reviews.form.text");
  const photos = el("input", { id: `${prefix}-photos`, type: "file", multiple: true, accept: "image/jpeg,image/png,image/webp" });
  const photosLabel = el("label", { htmlFor: photos.id });
  setText(photosLabel, review && review.photos.length ? "reviews.form.photos_replace" : "reviews.form.photos");
  const submit = el("button", { type: "submit", className: "primary" });
  setText(submit, review ? "reviews.form.save" : "reviews.form.submit");
  const cancel = el("button", { type: "button", className: "secondary" });
  setText(cancel, "common.cancel");
  cancel.addEventListener("click", onCancel);
  const error = el("p", { className: "error review-form-error", attrs: { role: "alert" } });
  const form = el(
    "form",
    { className: "review-form", noValidate: true },
    el("fieldset", { className: "star-choices" }, legend, ...starButtons),
    textLabel,
    text,
    photosLabel,
    photos,
    el("p", { className: "actions" }, submit, cancel),
    error,
  );

  function drawStars() {
    for (const button of starButtons) {
      const n = Number(button.dataset.stars);
      button.classList.toggle("chosen", n <= stars);
      button.setAttribute("aria-pressed", String(n === stars));
    }
  }

  async function uploadPhotos(files) {
    const query = new URLSearchParams({ order_id: order.id, line: String(line.position) });
    const ids = [];
    for (const file of files) {
      ids.push((await upload(`/api/reviews/photos?${query}`, file)).image.id);
    }
    return ids;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const files = Array.from(photos.files || []);
    if (!stars) {
      setText(error, "reviews.form.choose_stars");
      return;
    }
    if (files.length > MAX_PHOTOS) {
      setText(error, "reviews.form.too_many_photos", { n: MAX_PHOTOS });
      return;
    }
    submit.disabled = true;
    try {
      const body = { stars, text: text.value };
      if (files.length || !review) {
        body.photo_ids = await uploadPhotos(files);
      }
      const saved = review
        ? await patch(`/api/reviews/${encodeURIComponent(review.id)}`, body)
        : await post("/api/reviews", { order_id: order.id, line: line.position, ...body });
      onDone(saved.review);
    } catch (failure) {
      error.textContent = reviewErrorText(failure);
    } finally {
      submit.disabled = false;
    }
  });
  drawStars();
  return form;
}
