// An order's price as the buyer and seller read it: goods, the coupon's
// discount, the shipping (combined with an earlier order of the same show when
// it joins that parcel), then the total.
import { el } from "./dom.js";
import { formatMoney } from "./format.js";
import { t } from "./i18n.js";
import { totalRow } from "./order-view.js";

/** One "label  amount" row; `note` is a muted line under the label. */
function priceRow(label, amount, { note = "", className = "" } = {}) {
  return el(
    "p",
    { className: `order-price ${className}`.trim() },
    el("span", {}, el("span", { textContent: label }), note ? el("small", { className: "muted", textContent: note }) : null),
    el("span", { className: "order-price-amount", textContent: amount }),
  );
}

/**
 * "Combined with your order …" when the order joined an earlier one's parcel
 * (`key` words it for the seller), else "".
 */
export function shippingNote(order, key = "pricing.combined_with") {
  return order.shipping_combined_with ? t(key, { id: order.shipping_combined_with }) : "";
}

/**
 * The order's price rows (subtotal, discount, shipping) and total, as one block.
 * An order without a coupon or shipping shows its total alone, as before.
 */
export function orderPrice(order) {
  const money = (minor) => formatMoney(minor, order.currency);
  const rows = [];
  const priced = order.discount_minor > 0 || order.shipping_minor > 0 || order.shipping_combined_with;
  if (priced) {
    rows.push(priceRow(t("pricing.subtotal"), money(order.subtotal_minor)));
  }
  if (order.discount_minor > 0) {
    rows.push(
      priceRow(t("pricing.discount", { code: order.coupon_code || "" }), `− ${money(order.discount_minor)}`, {
        className: "order-discount",
      }),
    );
  }
  if (priced) {
    const amount = order.shipping_minor > 0 ? money(order.shipping_minor) : t("pricing.free");
    rows.push(priceRow(t("pricing.shipping"), amount, { note: shippingNote(order), className: "order-shipping" }));
  }
  return el("div", { className: "order-prices" }, ...rows, totalRow(order.total_minor, order.currency));
}
