// The shop's reviews in the console (/console/reviews): every review or only
// those waiting for a decision (reported: hidden from buyers meanwhile), each
// with the shop's one reply (editable) and, when reported, Restore or Remove.
import { $, el } from "./dom.js";
import { errorText, get, post, put } from "./http.js";
import { setText, t } from "./i18n.js";
import { reviewElement } from "./review-item.js";

let reviews = [];
let cursor = null;

function filter() {
  return $("reviews-filter", HTMLSelectElement).value;
}

function report(text) {
  $("reviews-error").textContent = text || "";
}

/** Where a review stands, for the shop. */
function standing(review) {
  if (review.refunded) {
    return t("reviews.state.refunded_shop");
  }
  return t(`reviews.console.state.${review.state}`);
}

function replyForm(review, after) {
  const field = el("textarea", { rows: 2, value: review.reply ? review.reply.text : "", className: "review-reply-text" });
  field.setAttribute("aria-label", t("reviews.console.reply_label"));
  const save = el("button", { type: "submit", className: "primary small" });
  setText(save, review.reply ? "reviews.console.edit_reply" : "reviews.console.reply");
  const form = el("form", { className: "review-reply-form" }, field, save);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    save.disabled = true;
    try {
      after((await put(`/api/reviews/${encodeURIComponent(review.id)}/reply`, { text: field.value })).review);
    } catch (failure) {
      report(errorText(failure));
    } finally {
      save.disabled = false;
    }
  });
  return form;
}

function decision(review, action, after) {
  const button = el("button", { type: "button", className: action === "remove" ? "danger small" : "secondary small" });
  setText(button, `reviews.console.${action}`);
  button.dataset.action = action;
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      after((await post(`/api/reviews/${encodeURIComponent(review.id)}/decision`, { action })).review);
    } catch (failure) {
      report(errorText(failure));
      button.disabled = false;
    }
  });
  return button;
}

function item(review, index) {
  const replace = (next) => {
    reviews[index] = next;
    draw();
  };
  const actions = [];
  if (review.state !== "published") {
    actions.push(decision(review, "restore", replace));
  }
  if (review.state !== "removed") {
    actions.push(decision(review, "remove", replace));
  }
  const extra = el("p", { className: "review-standing", dataset: { state: review.state }, textContent: standing(review) });
  return el(
    "li",
    { className: "console-review" },
    el("p", { className: "order-review-title", textContent: review.product_title }), // text, never markup
    reviewElement(review, { actions, extra }),
    replyForm(review, replace),
  );
}

function draw() {
  $("review-list").replaceChildren(...reviews.map(item));
  $("reviews-empty").hidden = reviews.length > 0;
  $("reviews-more").hidden = !cursor;
}

async function load(next = false) {
  const query = new URLSearchParams();
  if (filter()) {
    query.set("state", filter());
  }
  if (next && cursor) {
    query.set("cursor", cursor);
  }
  try {
    const body = await get(`/api/console/reviews?${query}`);
    reviews = next ? [...reviews, ...body.reviews] : body.reviews;
    cursor = body.next_cursor;
    report("");
    draw();
  } catch (failure) {
    report(errorText(failure));
  }
}

$("reviews-filter").addEventListener("change", () => load());
$("reviews-more").addEventListener("click", () => load(true));

export const reviewsView = {
  section: "view-reviews",
  async enter() {
    await load();
  },
  relabel: draw,
};
