// The pinned product's card: image, title, price, flash-sale countdown, stock
// left, and (on the show page) the variant and quantity pickers with Buy now.
import { activeVariants, availability, createBuyOptions, productSoldOut, saleRunning, unitPrice } from "./buy-options.js";
import { el } from "./dom.js";
import { formatDuration, formatMoney } from "./format.js";
import { onLanguageChange, setText, t } from "./i18n.js";

const FEW_LEFT = 5; // "N left" is highlighted from here down

/** The variants still on sale, and the lowest regular price among them. */
export function priceInfo(product) {
  const variants = (product.variants || []).filter((v) => !v.archived);
  if (!variants.length) {
    return null;
  }
  const prices = variants.map((v) => v.price_minor);
  return {
    currency: variants[0].currency,
    lowest: Math.min(...prices),
    varies: new Set(prices).size > 1,
  };
}

/**
 * How many are left of the product as a whole: what remains of a running flash
 * sale, else the sum over its variants; null until a stock message told us.
 */
export function productLeft(offer) {
  const { pin, stock } = offer;
  const product = pin && pin.product;
  if (!stock || !product || stock.product_id !== product.id) {
    return null;
  }
  if (saleRunning(pin)) {
    return stock.sale && stock.sale.sale_id === `pin${pin.id}` ? stock.sale.remaining : null;
  }
  const counts = activeVariants(product)
    .map((v) => (stock.variants || {})[v.id])
    .filter((n) => typeof n === "number");
  return counts.length ? counts.reduce((sum, n) => sum + n, 0) : null;
}

/**
 * Mount the card in `container`; `show(pin)` / `hide()` update it and
 * `setStock(message)` / `markSoldOut(message)` follow the room's stock news.
 * With `onBuy(choice)` the card has Buy now (the show page); without, it only
 * informs (the console).
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
        if (!busy && choice.variant) {
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
    drawPrice();
    const gone = productSoldOut(state);
    const left = productLeft(state);
    nodes.card.dataset.soldOut = String(gone);
    if (gone) {
      nodes.stock.replaceChildren(el("span", { className: "pin-soldout", textContent: t("card.sold_out") }));
    } else if (typeof left === "number") {
      nodes.stock.replaceChildren(
        el("span", {
          className: left <= FEW_LEFT ? "pin-left few" : "pin-left",
          dataset: { left: String(left) },
          textContent: t("card.left", { n: left }),
        }),
      );
    } else {
      nodes.stock.replaceChildren();
    }
    if (nodes.buy) {
      const choice = options.choice();
      const unavailable = !choice.variant || availability(state, choice.variant.id).soldOut;
      nodes.buy.disabled = busy || unavailable;
      let key = "card.buy_now";
      if (busy) {
        key = "card.reserving";
      } else if (unavailable) {
        key = "card.sold_out";
      } else if (resume && resume.variantId === choice.variant.id) {
        key = "card.continue";
      }
      setText(nodes.buy, key);
    }
  }

  function drawPrice() {
    const product = pin.product;
    const sale = saleRunning(pin) ? pin.flash_sale : null;
    const price = priceInfo(product);
    const chosen = options ? options.choice().variant : null;
    const row = nodes.price;
    row.replaceChildren();
    if (sale) {
      row.append(el("span", { className: "now", textContent: formatMoney(sale.sale_price_minor, sale.currency) }));
      const was = chosen ? chosen.price_minor : price && price.lowest;
      if (was) {
        row.append(" ", el("s", { className: "was", textContent: formatMoney(was, sale.currency) }));
      }
    } else if (chosen && price && price.varies && activeVariants(product).length > 1) {
      row.append(el("span", { className: "now", textContent: formatMoney(unitPrice(pin, chosen), chosen.currency) }));
    } else if (price) {
      const amount = formatMoney(price.lowest, price.currency);
      row.append(
        el("span", { className: "now", textContent: price.varies ? t("card.from", { price: amount }) : amount }),
      );
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
