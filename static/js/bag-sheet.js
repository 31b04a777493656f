// The show's bag for viewers: every product of the show with its image,
// price, what is left and Buy now at its price, in a bottom sheet on a phone
// and a side panel on a desktop. The pinned product keeps its flash-sale price
// and countdown here too; the rest sell at their regular price (the replay's
// bag too). Stock comes from `GET /api/shows/{id}/stock` when the sheet opens,
// then from the room's `stock` and `sold_out` messages.
import { fetchShow } from "./api.js";
import { availability, createBuyOptions, saleRunning } from "./buy-options.js";
import { el } from "./dom.js";
import { formatCount, formatDuration } from "./format.js";
import { get } from "./http.js";
import { onLanguageChange, setText, t } from "./i18n.js";
import { bagOffer, buyLabelKey, drawPrice, drawStock, saleMsLeft } from "./offer-view.js";
import { ratingBadge } from "./rating-view.js";
import { openReviews } from "./review-sheet.js";

const TICK_MS = 250; // a flash sale's countdown

/**
 * `button` opens the sheet and `count` says how many products it has;
 * `checkout` is the checkout sheet (`start(choice, surface)`); `pinned()` is
 * the live pin on screen (null in the replay, which buys at regular prices).
 */
export function createBagSheet({ showId, button, count, checkout, pinned }) {
  const title = el("h2", { id: "bag-title" });
  setText(title, "shop_bag.title");
  const closeButton = el("button", { type: "button", className: "sheet-close", textContent: "×" });
  closeButton.dataset.i18nAttr = "aria-label:checkout.close";
  closeButton.setAttribute("aria-label", t("checkout.close"));
  const list = el("ul", { className: "bag-list" });
  const empty = el("p", { className: "muted bag-empty", hidden: true });
  setText(empty, "shop_bag.empty");
  const dialog = el(
    "dialog",
    { id: "bag", className: "sheet bag-sheet", attrs: { "aria-labelledby": "bag-title" } },
    el("div", { className: "sheet-head" }, title, closeButton),
    el("div", { className: "sheet-body" }, empty, list),
  );
  document.body.append(dialog);

  let products = [];
  const stocks = new Map(); // product id -> the latest `stock` message
  const soldOuts = new Map(); // product id -> the latest `sold_out` message
  let ratings = {}; // product id -> its buyers' rating {average, count}, when it has one
  let rows = new Map(); // product id -> the row's nodes and state
  let timer = null;

  function offerFor(product) {
    const pin = pinned();
    const stock = stocks.get(product.id) || null;
    const soldOut = soldOuts.get(product.id) || null;
    if (pin && pin.product && pin.product.id === product.id) {
      return { pin, stock, soldOut };
    }
    return bagOffer(product, stock, soldOut);
  }

  /** The Buy now of one row: what the checkout sheet reports its progress to. */
  function surfaceFor(row) {
    return {
      offer: () => offerFor(row.product),
      setBusy(value) {
        row.busy = value;
        refreshRow(row);
      },
      setError(text) {
        row.error.textContent = text || "";
      },
      setResume(choice) {
        row.resume = choice;
        refreshRow(row);
      },
    };
  }

  function makeRow(product, index) {
    const offer = offerFor(product);
    const sale = saleRunning(offer.pin) ? offer.pin.flash_sale : null;
    const image = product.images && product.images[0];
    const row = { product, busy: false, resume: null, saleShown: Boolean(sale) };
    row.options = createBuyOptions({ idPrefix: `bag-${index}`, onChange: () => refreshRow(row) });
    row.price = el("p", { className: "pin-price" });
    row.stock = el("p", { className: "pin-stock", attrs: { "aria-live": "polite" } });
    row.buy = el("button", { type: "button", className: "primary buy" });
    row.error = el("p", { className: "pin-error error", attrs: { role: "alert" } });
    const body = el("div", { className: "pin-body" });
    if (sale) {
      body.append(el("span", { className: "pin-flag", textContent: t("card.flash_sale") }));
    } else if (offer.pin.id !== null) {
      body.append(el("span", { className: "bag-pinned", textContent: t("shop_bag.pinned") }));
    }
    body.append(el("h3", { className: "pin-title", textContent: product.title })); // text, never markup
    const rating = ratingBadge(ratings[product.id], () => openReviews(product));
    if (rating) {
      body.append(rating);
    }
    body.append(row.price);
    if (sale) {
      row.countdown = el("span", { className: "pin-countdown", attrs: { role: "timer" } });
      body.append(
        el(
          "p",
          { className: "pin-sale-meta" },
          row.countdown,
          el("span", { className: "pin-limit", textContent: t("card.limit", { n: sale.per_buyer_limit }) }),
        ),
      );
    }
    body.append(row.stock);
    row.buy.addEventListener("click", () => {
      const choice = row.options.choice();
      if (!row.busy && choice.variant) {
        checkout.start({ variantId: choice.variant.id, quantity: choice.quantity }, surfaceFor(row));
      }
    });
    row.item = el(
      "li",
      { className: "bag-item", dataset: { productId: product.id, sale: String(Boolean(sale)) } },
      image
        ? el("img", { className: "pin-image", src: image.url, alt: product.title })
        : el("div", { className: "pin-image pin-image-empty", attrs: { "aria-hidden": "true" } }),
      body,
      el("div", { className: "pin-buy" }, row.options.element, row.buy),
      row.error,
    );
    return row;
  }

  /** The parts of a row that move with stock, choices and time, updated in place. */
  function refreshRow(row) {
    const offer = offerFor(row.product);
    row.options.update(offer);
    const chosen = row.options.choice().variant;
    drawPrice(row.price, offer.pin, chosen);
    row.item.dataset.soldOut = String(drawStock(row.stock, offer));
    const unavailable = !chosen || availability(offer, chosen.id).soldOut;
    row.buy.disabled = row.busy || unavailable;
    const resuming = Boolean(row.resume && chosen && row.resume.variantId === chosen.id);
    setText(row.buy, buyLabelKey({ busy: row.busy, unavailable, resuming }));
    if (row.countdown) {
      row.countdown.textContent = t("card.ends_in", { time: formatDuration(saleMsLeft(offer.pin)) });
    }
  }

  function render() {
    rows = new Map(products.map((product, index) => [product.id, makeRow(product, index)]));
    list.replaceChildren(...[...rows.values()].map((row) => row.item));
    empty.hidden = products.length > 0;
    rows.forEach(refreshRow);
  }

  /** Once the sheet is open: countdowns run, and a sale that ended changes its row. */
  function tick() {
    for (const row of rows.values()) {
      const selling = saleRunning(offerFor(row.product).pin);
      if (selling !== row.saleShown) {
        render(); // the pin or its sale changed: its row says so
        return;
      }
      if (row.countdown) {
        refreshRow(row);
      }
    }
  }

  function drawCount() {
    count.textContent = formatCount(products.length);
    button.dataset.count = String(products.length);
  }

  async function load() {
    try {
      const [show, stock] = await Promise.all([
        fetchShow(showId),
        get(`/api/shows/${encodeURIComponent(showId)}/stock`),
      ]);
      products = show.products || [];
      ratings = await loadRatings(products);
      for (const message of stock.stock || []) {
        stocks.set(message.product_id, message);
      }
      drawCount();
      if (dialog.open) {
        render();
      }
    } catch (_unreachable) {
      // The sheet shows what it knew; the room's messages keep it current.
    }
  }

  async function loadRatings(bagProducts) {
    if (bagProducts.length === 0) {
      return {};
    }
    try {
      const ids = bagProducts.map((product) => product.id).join(",");
      return (await get(`/api/ratings?product_ids=${encodeURIComponent(ids)}`)).ratings;
    } catch (_unreachable) {
      return ratings; // the rows show what was known
    }
  }

  function open() {
    render();
    if (!dialog.open) {
      dialog.showModal();
    }
    clearInterval(timer);
    timer = setInterval(tick, TICK_MS);
    load();
  }

  function close() {
    clearInterval(timer);
    timer = null;
    if (dialog.open) {
      dialog.close();
    }
  }

  button.addEventListener("click", open);
  closeButton.addEventListener("click", close);
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    close();
  });
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) {
      close(); // a tap beside the sheet
    }
  });
  onLanguageChange(() => {
    if (dialog.open) {
      render();
    }
  });

  return {
    /** The show's bag as `GET /api/shows/{id}` lists it. */
    setProducts(next) {
      products = next || [];
      drawCount();
      if (dialog.open) {
        render();
      }
    },
    /** A room `stock` message (any product of the show). */
    setStock(message) {
      if (!message || !message.product_id) {
        return;
      }
      stocks.set(message.product_id, message);
      const available = Object.values(message.variants || {}).some((n) => n > 0);
      if (available && (!message.sale || message.sale.remaining > 0)) {
        soldOuts.delete(message.product_id); // units came back
      }
      const row = rows.get(message.product_id);
      if (row && dialog.open) {
        refreshRow(row);
      }
    },
    /** A room `sold_out` message. */
    markSoldOut(message) {
      if (!message || !message.product_id) {
        return;
      }
      soldOuts.set(message.product_id, message);
      const row = rows.get(message.product_id);
      if (row && dialog.open) {
        refreshRow(row);
      }
    },
    /** The pin changed: the pinned product's row shows its sale (or no longer). */
    pinChanged() {
      if (dialog.open) {
        render();
      }
    },
    open,
    get isOpen() {
      return dialog.open;
    },
  };
}
