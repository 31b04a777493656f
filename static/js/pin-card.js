// The pinned product's buy-now card: image, title, price, flash-sale countdown.
import { el } from "./dom.js";
import { formatDuration, formatMoney } from "./format.js";
import { onLanguageChange, t } from "./i18n.js";

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

/** Mount the card in `container`; `show(pin)` / `hide()` update it. */
export function createPinCard(container) {
  let pin = null;
  let timer = null;
  let countdown = null;

  function render() {
    clearInterval(timer);
    countdown = null;
    if (!pin || !pin.product) {
      container.replaceChildren();
      container.hidden = true;
      return;
    }
    const product = pin.product;
    const sale = pin.flash_sale;
    const price = priceInfo(product);
    const image = product.images && product.images[0];

    const priceRow = el("p", { className: "pin-price" });
    if (sale) {
      priceRow.append(
        el("span", { className: "now", textContent: formatMoney(sale.sale_price_minor, sale.currency) }),
      );
      if (price) {
        priceRow.append(" ", el("s", { className: "was", textContent: formatMoney(price.lowest, price.currency) }));
      }
    } else if (price) {
      const amount = formatMoney(price.lowest, price.currency);
      priceRow.append(
        el("span", { className: "now", textContent: price.varies ? t("card.from", { price: amount }) : amount }),
      );
    }

    const body = el("div", { className: "pin-body" });
    if (sale) {
      body.append(el("span", { className: "pin-flag", textContent: t("card.flash_sale") }));
    }
    body.append(el("h2", { className: "pin-title", textContent: product.title })); // text, never markup
    if (product.description) {
      body.append(el("p", { className: "pin-desc", textContent: product.description }));
    }
    body.append(priceRow);
    if (sale) {
      countdown = el("span", { className: "pin-countdown", attrs: { role: "timer" } });
      body.append(
        el(
          "p",
          { className: "pin-sale-meta" },
          countdown,
          el("span", { className: "pin-limit", textContent: t("card.limit", { n: sale.per_buyer_limit }) }),
          el("span", { className: "pin-quantity", textContent: t("card.quantity", { n: sale.quantity }) }),
        ),
      );
    }
    const card = el(
      "article",
      { className: "pin-card", dataset: { pinId: String(pin.id), sale: String(Boolean(sale)) } },
      image
        ? el("img", { className: "pin-image", src: image.url, alt: product.title })
        : el("div", { className: "pin-image pin-image-empty", attrs: { "aria-hidden": "true" } }),
      body,
      // A disabled placeholder: the checkout issue wires the purchase flow to it.
      el("button", {
        type: "button",
        className: "primary buy",
        disabled: true,
        textContent: t("card.buy"),
        title: t("card.buy_soon"),
      }),
    );
    container.replaceChildren(card);
    container.hidden = false;
    if (sale) {
      tick();
      timer = setInterval(tick, 250);
    }
  }

  function tick() {
    const sale = pin && pin.flash_sale;
    if (!sale || !countdown) {
      return;
    }
    const left = sale.ends_at - Date.now();
    if (left > 0) {
      countdown.textContent = t("card.ends_in", { time: formatDuration(left) });
    } else {
      // The sale is over: the regular price applies again.
      pin = { ...pin, flash_sale: null };
      render();
    }
  }

  onLanguageChange(render);
  render();
  return {
    show(next) {
      pin = next;
      render();
    },
    hide(pinId) {
      if (pinId === undefined || !pin || String(pin.id) === String(pinId)) {
        pin = null;
        render();
      }
    },
    get current() {
      return pin;
    },
  };
}
