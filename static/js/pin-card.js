// The pinned product's card: image, title, price, flash-sale countdown, stock
// left, and (on the show page) the variant and quantity pickers with Buy now.
import { availability, createBuyOptions } from "./buy-options.js";
import { el } from "./dom.js";
import { formatDuration } from "./format.js";
import { onLanguageChange, setText, t } from "./i18n.js";
import { buyLabelKey, drawPrice, drawStock } from "./offer-view.js";
import { ratingBadge } from "./rating-view.js";
import { openReviews } from "./review-sheet.js";

export { priceInfo, productLeft } from "./offer-view.js"; // the console's imports

/**
 * Mount the card in `container`; `show(pin)` / `hide()` update it and
 * `setStock(message)` / `markSoldOut(message)` follow the room's stock news.
 * With `onBuy(choice)` the card has Buy now (the show page); without, it only
 * informs (the console).
 * @param {HTMLElement} container
 * @param {{onBuy?: ((choice: {variantId: string, quantity: number, pinId: number}) => void) | null}} [options]
 */
export function createPinCard(container, { onBuy = null } = {}) {
  let pin = null;
  let stock = null; // the latest `stock` message for the pinned product
  let soldOut = null; // the latest `sold_out` message for it
  let timer = null;
  let nodes = {};
  let busy = false;
  let resume = null; // {variantId} of an unpaid order: Buy now on that variant continues it
  const options = onBuy ? createBuyOptions({ idPrefix: "pin", onChange: refresh }) : null;

  function offer() {
    return { pin, stock, soldOut };
  }

  function render() {
    clearInterval(timer);
    nodes = {};
    if (!pin || !pin.product) {
      container.replaceChildren();
      container.hidden = true;
      return;
    }
    const product = pin.product;
    const sale = pin.flash_sale;
    const image = product.images && product.images[0];

    const body = el("div", { className: "pin-body" });
    if (sale) {
      body.append(el("span", { className: "pin-flag", textContent: t("card.flash_sale") }));
    }
    body.append(el("h2", { className: "pin-title", textContent: product.title })); // text, never markup
    // Its buyers' rating, as the pin event carried it; on the show page it opens their reviews.
    const rating = ratingBadge(pin.rating, onBuy ? () => openReviews(product) : null);
    if (rating) {
      body.append(rating);
    }
    if (product.description) {
      body.append(el("p", { className: "pin-desc", textContent: product.description }));
    }
    nodes.price = el("p", { className: "pin-price" });
    body.append(nodes.price);
    if (sale) {
      nodes.countdown = el("span", { className: "pin-countdown", attrs: { role: "timer" } });
      body.append(
        el(
          "p",
          { className: "pin-sale-meta" },
          nodes.countdown,
          el("span", { className: "pin-limit", textContent: t("card.limit", { n: sale.per_buyer_limit }) }),
          el("span", { className: "pin-quantity", textContent: t("card.quantity", { n: sale.quantity }) }),
        ),
      );
    }
    nodes.stock = el("p", { className: "pin-stock", attrs: { "aria-live": "polite" } });
    body.append(nodes.stock);
    if (pin.note) {
      // A word on the price (the replay's: "the live flash sale has ended").
      const note = el("p", { className: "pin-note" });
      setText(note, pin.note);
      body.append(note);
    }

    const card = el(
      "article",
      { className: "pin-card", dataset: { pinId: String(pin.id), sale: String(Boolean(sale)) } },
      image
        ? el("img", { className: "pin-image", src: image.url, alt: product.title })
        : el("div", { className: "pin-image pin-image-empty", attrs: { "aria-hidden": "true" } }),
      body,
    );
    nodes.card = card;
    if (options) {
      nodes.buy = el("button", { type: "button", className: "primary buy" });
      nodes.buy.addEventListener("click", () => {
        const choice = options.choice();
        if (!busy && choice.variant && onBuy) {
          // The pin's id lets the server price a flash sale that has just started.
          onBuy({ variantId: choice.variant.id, quantity: choice.quantity, pinId: pin.id });
        }
      });
      nodes.error = el("p", { className: "pin-error error", attrs: { role: "alert" } });
      card.append(el("div", { className: "pin-buy" }, options.element, nodes.buy), nodes.error);
    }
    container.replaceChildren(card);
    container.hidden = false;
    refresh();
    if (sale) {
      tick();
      timer = setInterval(tick, 250);
    }
  }

  /** The parts that change with stock and choices, updated in place (focus stays put). */
  function refresh() {
    if (!pin || !nodes.price) {
      return;
    }
    const state = offer();
    if (options) {
      options.update(state);
    }
    drawPrice(nodes.price, pin, options ? options.choice().variant : null);
    nodes.card.dataset.soldOut = String(drawStock(nodes.stock, state));
    if (nodes.buy && options) {
      const choice = options.choice();
      const unavailable = !choice.variant || availability(state, choice.variant.id).soldOut;
      nodes.buy.disabled = busy || unavailable;
      const resuming = Boolean(resume && choice.variant && resume.variantId === choice.variant.id);
      setText(nodes.buy, buyLabelKey({ busy, unavailable, resuming }));
    }
  }

  function tick() {
    const sale = pin && pin.flash_sale;
    if (!sale || !nodes.countdown) {
      return;
    }
    const left = sale.ends_at * 1000 - Date.now(); // ends_at: epoch seconds
    if (left > 0) {
      nodes.countdown.textContent = t("card.ends_in", { time: formatDuration(left) });
    } else {
      // The sale is over: the regular price applies again.
      pin = { ...pin, flash_sale: null };
      render();
    }
  }

  onLanguageChange(() => {
    if (options) {
      options.relabel();
    }
    render();
  });
  render();
  return {
    show(next) {
      const sameProduct = pin && next && pin.product && next.product && pin.product.id === next.product.id;
      if (!sameProduct) {
        stock = null;
        soldOut = null;
      }
      pin = next;
      render();
    },
    hide(pinId) {
      if (pinId === undefined || !pin || String(pin.id) === String(pinId)) {
        pin = null;
        render();
      }
    },
    /** A `stock` message (or the snapshot's `stock`); other products' are ignored. */
    setStock(message) {
      if (!message || !pin || !pin.product || message.product_id !== pin.product.id) {
        return;
      }
      stock = message;
      const available = Object.values(message.variants || {}).some((n) => n > 0);
      const saleLeft = message.sale ? message.sale.remaining > 0 : true;
      if (available && saleLeft) {
        soldOut = null; // units came back (a hold expired, an order was refunded)
      }
      refresh();
    },
    /** Move the flash sale's end, epoch seconds (the replay's sale follows the video, not the clock). */
    setSaleEnd(endsAt) {
      if (pin && pin.flash_sale) {
        pin = { ...pin, flash_sale: { ...pin.flash_sale, ends_at: endsAt } };
        tick();
      }
    },
    /** A `sold_out` message. */
    markSoldOut(message) {
      if (message && pin && pin.product && message.product_id === pin.product.id) {
        soldOut = message;
        refresh();
      }
    },
    /** Buy now is waiting for the server. */
    setBusy(value) {
      busy = value;
      refresh();
    },
    /** The choice of an unpaid order (Buy now with it continues that order), or null. */
    setResume(choice) {
      resume = choice;
      refresh();
    },
    /** A message under the Buy button ("" clears it). */
    setError(text) {
      if (nodes.error) {
        nodes.error.textContent = text || "";
      }
    },
    offer,
    get current() {
      return pin;
    },
  };
}
