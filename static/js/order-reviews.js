// "Write a review" for each paid line of the buyer's order page, and the
// buyer's own reviews with where they stand (shown, hidden after a report,
// removed by the shop, hidden because the item was refunded).
import { el } from "./dom.js";
import { errorText, get } from "./http.js";
import { setText, t } from "./i18n.js";
import { lineTitle } from "./order-view.js";
import { reviewForm } from "./review-form.js";
import { reviewElement } from "./review-item.js";

const REVIEWABLE = new Set(["paid", "fulfilled"]);

/** The buyer's words for where their review stands ("" when everyone sees it). */
function standing(review) {
  if (review.refunded) {
    return t("reviews.state.refunded");
  }
  return review.state === "published" ? "" : t(`reviews.state.${review.state}`);
}

/** Mount in `container` (a section, hidden until an order has a line to review). */
export function createOrderReviews(container) {
  let order = null;
  let mine = new Map(); // line position -> the buyer's review of it
  // The position whose form is open: the one the reviews sheet sent the buyer to, at first.
  const asked = /^#review-(\d+)$/.exec(location.hash);
  let editing = asked ? Number(asked[1]) : null;
  let loaded = null; // the order id whose reviews were read
  const heading = el("h2", { id: "order-reviews-heading" });
  const list = el("ul", { className: "order-reviews" });
  const error = el("p", { className: "error", attrs: { role: "alert" } });
  container.replaceChildren(heading, list, error);

  function lineItem(line) {
    const review = mine.get(line.position);
    const item = el("li", { className: "order-review", dataset: { line: String(line.position) } });
    item.append(el("p", { className: "order-review-title", textContent: lineTitle(line) }));
    if (editing === line.position) {
      item.append(
        reviewForm({
          order,
          line,
          review: review || null,
          onDone: (saved) => {
            mine.set(line.position, saved);
            editing = null;
            draw();
          },
          onCancel: () => {
            editing = null;
            draw();
          },
        }),
      );
      return item;
    }
    const open = el("button", { type: "button", className: review ? "secondary small" : "primary small" });
    setText(open, review ? "reviews.edit" : "reviews.write");
    open.addEventListener("click", () => {
      editing = line.position;
      draw();
    });
    if (review) {
      const note = standing(review);
      const extra = note ? el("p", { className: "review-standing", textContent: note }) : null;
      item.append(reviewElement(review, { extra }));
      if (!review.refunded && review.state !== "removed") {
        item.append(open);
      }
    } else if (!line.refunded) {
      item.append(open);
    }
    return item;
  }

  function draw() {
    const lines = order && REVIEWABLE.has(order.status) ? order.lines : [];
    const shown = lines.filter((line) => !line.refunded || mine.has(line.position));
    container.hidden = shown.length === 0;
    setText(heading, "reviews.order_heading");
    list.replaceChildren(...shown.map(lineItem));
  }

  async function load() {
    loaded = order.id;
    try {
      const body = await get(`/api/orders/${encodeURIComponent(order.id)}/reviews`);
      mine = new Map(body.reviews.map((review) => [review.line, review]));
      error.textContent = "";
    } catch (failure) {
      error.textContent = errorText(failure);
    }
    draw();
  }

  return {
    /** The order as the page has it now. */
    show(next) {
      order = next;
      if (REVIEWABLE.has(order.status) && loaded !== order.id) {
        load();
      } else if (editing === null) {
        draw();
      }
    },
  };
}
