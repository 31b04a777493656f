// How a product on offer reads, shared by the pinned card and the bag: its
// price (a running flash sale's, with the regular one struck through), what
// is left, and "Sold out". An offer is `{pin, stock, soldOut}`: the pin (or a
// bag product as a pin without id or sale) and the room's latest messages.
import { activeVariants, productSoldOut, saleRunning, unitPrice } from "./buy-options.js";
import { el } from "./dom.js";
import { formatMoney } from "./format.js";
import { t } from "./i18n.js";

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

/** Milliseconds left of the pin's flash sale (its `ends_at`: epoch seconds, on this device's clock). */
export function saleMsLeft(pin) {
  return pin && pin.flash_sale ? Math.max(pin.flash_sale.ends_at * 1000 - Date.now(), 0) : 0;
}

/** A bag product as an offer: no pin on screen, so no flash sale. */
export function bagOffer(product, stock, soldOut) {
  return { pin: { id: null, product, flash_sale: null }, stock, soldOut };
}

/** Fill `row` with the price now: `chosen` is the picked variant (or null). */
export function drawPrice(row, pin, chosen) {
  const product = pin.product;
  const sale = saleRunning(pin) ? pin.flash_sale : null;
  const price = priceInfo(product);
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
    row.append(el("span", { className: "now", textContent: price.varies ? t("card.from", { price: amount }) : amount }));
  }
}

/** Fill `node` with "N left" or "Sold out" (nothing while unknown); returns whether sold out. */
export function drawStock(node, offer) {
  const gone = productSoldOut(offer);
  const left = productLeft(offer);
  if (gone) {
    node.replaceChildren(el("span", { className: "pin-soldout", textContent: t("card.sold_out") }));
  } else if (typeof left === "number") {
    node.replaceChildren(
      el("span", {
        className: left <= FEW_LEFT ? "pin-left few" : "pin-left",
        dataset: { left: String(left) },
        textContent: t("card.left", { count: left }),
      }),
    );
  } else {
    node.replaceChildren();
  }
  return gone;
}

/** The Buy button's words for an offer and choice: Buy now, Reserving…, Sold out or Continue. */
export function buyLabelKey({ busy, unavailable, resuming }) {
  if (busy) {
    return "card.reserving";
  }
  if (unavailable) {
    return "card.sold_out";
  }
  return resuming ? "card.continue" : "card.buy_now";
}
