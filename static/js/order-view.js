// Pieces of an order shown to people: its lines, total, status in words and
// shipping address (the checkout sheet, the order page and the console).
import { addressElement } from "./address.js";
import { el } from "./dom.js";
import { formatMoney } from "./format.js";
import { has, t } from "./i18n.js";

/** "Tee · M" (the variant's name only when it has one). */
export function lineTitle(line) {
  return line.variant_name ? `${line.title} · ${line.variant_name}` : line.title;
}

/** "2 × Tee · M" for one-line summaries. */
export function lineSummary(line) {
  return line.quantity > 1 ? t("order.line_summary", { n: line.quantity, title: lineTitle(line) }) : lineTitle(line);
}

/** The lines as a list: title, quantity × unit price, line total (all text). */
export function linesList(lines, currency) {
  return el(
    "ul",
    { className: "order-lines" },
    ...(lines || []).map((line) =>
      el(
        "li",
        { className: "order-line" },
        el(
          "span",
          { className: "order-line-main" },
          el("span", { className: "order-line-title", textContent: lineTitle(line) }),
          el("span", {
            className: "order-line-qty muted",
            textContent: t("order.each", {
              n: line.quantity,
              price: formatMoney(line.unit_price_minor, currency),
            }),
          }),
          line.flash_sale ? el("span", { className: "order-flag", textContent: t("card.flash_sale") }) : null,
          line.refunded ? el("span", { className: "order-line-refunded", textContent: t("order.line_refunded") }) : null,
        ),
        el("span", { className: "order-line-total", textContent: formatMoney(line.line_total_minor, currency) }),
      ),
    ),
  );
}

/** "Total  $50.00". */
export function totalRow(totalMinor, currency) {
  return el(
    "p",
    { className: "order-total" },
    el("span", { textContent: t("order.total") }),
    el("strong", { textContent: formatMoney(totalMinor, currency) }),
  );
}

/** The buyer's words for the order's status, e.g. "Paid", "Refunded". */
export function statusText(order) {
  return t(`order.status.${order.status}`);
}

/** Why the order is where it is, for the buyer (or "" when nothing needs saying). */
export function reasonText(order) {
  const key = `order.reason.${order.status_reason}`;
  if (order.status_reason && has(key)) {
    return t(key);
  }
  const note = `order.note.${order.status}`;
  return has(note) ? t(note) : "";
}

/**
 * "Test order" for an order paid through the offline test gateway (no money
 * moved), else null: sellers must never ship it as a sale, buyers must know.
 */
export function testBadge(order) {
  if (!order.test) {
    return null;
  }
  return el("span", {
    className: "test-badge",
    textContent: t("order.test"),
    attrs: { title: t("order.test_hint") },
  });
}

/** The seller's short words for a status and its reason. */
export function sellerStatusText(order) {
  const status = t(`orders.status.${order.status}`);
  const key = `orders.reason.${order.status_reason}`;
  return order.status_reason && has(key) ? `${status} · ${t(key)}` : status;
}

/** The shipping address as an <address> element, in its country's order. */
export function addressBlock(order) {
  return addressElement(order.address, { name: order.name, className: "order-address" });
}
