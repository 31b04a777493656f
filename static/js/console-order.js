// One order in the console (/console/orders/{id}): where it goes, who to
// contact, each line with its refund, the status history, the payment and
// the shipment, with Mark shipped and refunds (a whole order or one line).
import { addressElement } from "./address.js";
import { notify, showError } from "./console-notice.js";
import { openRefundDialog, openShipDialog } from "./console-order-dialogs.js";
import { $, el } from "./dom.js";
import { formatDateTime, formatMoney } from "./format.js";
import { errorText, get, post } from "./http.js";
import { formatNumber, has, setText, t } from "./i18n.js";
import { shippingNote } from "./order-pricing.js";
import { lineSummary, lineTitle, sellerStatusText } from "./order-view.js";

const enc = encodeURIComponent;
let view = null; // {order, history, showTitle}
let loading = null; // the order id being fetched

/** A `<dt>`/`<dd>` pair for a facts list. */
function fact(labelKey, ...value) {
  const term = el("dt");
  setText(term, labelKey);
  return [term, el("dd", {}, ...value)];
}

/** A time as a <time> element in the reader's locale. */
function timeElement(epochSeconds) {
  return el("time", {
    dateTime: new Date(epochSeconds * 1000).toISOString(),
    textContent: formatDateTime(epochSeconds),
  });
}

/** A link to a tracking page, only for a web address (the server allows no other). */
function trackingLink(url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch (_notAnAddress) {
    return el("span", { textContent: url });
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    return el("span", { textContent: url });
  }
  const link = el("a", { href: parsed.href, target: "_blank", rel: "noopener noreferrer", className: "tracking-link" });
  setText(link, "detail.track");
  return link;
}

function refundLine(order, line) {
  // A line gives back what was paid for it: its total less its share of the coupon.
  const amount = formatMoney(line.line_total_minor - (line.discount_minor || 0), order.currency);
  const item = lineSummary(line);
  openRefundDialog("orders.refund_line_confirm", { item, amount, name: order.name }, async () => {
    const body = await post(`/api/orders/${enc(order.id)}/refund`, { lines: [line.position] });
    view = { ...view, order: body.order, history: body.history };
    draw();
    notify("orders.line_refunded", { item, name: order.name });
  });
}

function lineRow(order, line) {
  let state;
  if (line.refunded) {
    state = el("span", { className: "line-refunded" });
    setText(state, "detail.line_refunded", { amount: formatMoney(line.refunded_minor, order.currency) });
  } else if (order.status === "paid" || order.status === "fulfilled") {
    state = el("button", { type: "button", className: "secondary small", dataset: { action: "refund-line" } });
    setText(state, "orders.refund");
    state.addEventListener("click", () => refundLine(order, line));
  }
  const cell = (text, className) => el("td", { className, textContent: text });
  return el(
    "tr",
    { dataset: { position: String(line.position), refunded: String(line.refunded) } },
    el(
      "td",
      { className: "item" },
      el("span", { textContent: line.title }), // text, never markup
      line.variant_name ? el("span", { className: "muted line-variant", textContent: line.variant_name }) : null,
      // On a phone the SKU column gives way: the SKU goes under the item.
      el("span", { className: "muted sku sku-inline", textContent: line.sku }),
    ),
    cell(line.sku, "sku sku-col"),
    cell(formatNumber(line.quantity), "num"),
    cell(formatMoney(line.unit_price_minor, order.currency), "num unit-price"),
    cell(formatMoney(line.line_total_minor, order.currency), "num"),
    el("td", { className: "line-state" }, state || null),
  );
}

function totalRow(key, amount, className) {
  const term = el("dt", { className });
  setText(term, key);
  return [term, el("dd", { className: `num ${className}`, textContent: amount })];
}

function drawLines(order) {
  $("detail-lines").replaceChildren(...order.lines.map((line) => lineRow(order, line)));
  const money = (minor) => formatMoney(minor, order.currency);
  const rows = [];
  if (order.discount_minor > 0 || order.shipping_minor > 0 || order.shipping_combined_with) {
    rows.push(...totalRow("pricing.subtotal", money(order.subtotal_minor), "subtotal"));
    if (order.discount_minor > 0) {
      const label = el("dt", { className: "discount", textContent: t("pricing.discount", { code: order.coupon_code || "" }) });
      rows.push(label, el("dd", { className: "num discount", textContent: `− ${money(order.discount_minor)}` }));
    }
    const note = shippingNote(order, "pricing.combined_with_seller");
    rows.push(
      ...totalRow("pricing.shipping", note ? `${money(order.shipping_minor)} · ${note}` : money(order.shipping_minor), "shipping"),
    );
  }
  rows.push(...totalRow("order.total", money(order.total_minor), "total"));
  if (order.refunded_minor) {
    rows.push(
      ...totalRow("detail.refunded", `− ${formatMoney(order.refunded_minor, order.currency)}`, "refunded"),
      ...totalRow("detail.net", formatMoney(order.total_minor - order.refunded_minor, order.currency), "net"),
    );
  }
  $("detail-totals").replaceChildren(...rows);
  const refundable = order.status === "paid" || order.status === "fulfilled";
  $("detail-refund-all").hidden = !refundable;
  if (order.refunded_minor) {
    const rest = formatMoney(order.total_minor - order.refunded_minor, order.currency);
    setText($("detail-refund-all"), "detail.refund_rest", { amount: rest });
  } else {
    setText($("detail-refund-all"), "detail.refund_all");
  }
}

function drawShipment(order) {
  const facts = [];
  const shipment = order.shipment;
  if (order.fulfilled_at) {
    facts.push(...fact("detail.shipped_at", timeElement(order.fulfilled_at)));
  }
  if (shipment && shipment.carrier) {
    facts.push(...fact("detail.carrier", shipment.carrier));
  }
  if (shipment && shipment.tracking_number) {
    facts.push(...fact("detail.tracking_number", el("span", { className: "sku", textContent: shipment.tracking_number })));
  }
  if (shipment && shipment.tracking_url) {
    facts.push(...fact("detail.tracking_url", trackingLink(shipment.tracking_url)));
  }
  if (!facts.length) {
    const none = el("dd", { className: "muted" });
    setText(none, order.status === "paid" ? "detail.not_shipped" : "detail.no_shipment");
    facts.push(none);
  }
  $("detail-shipment").replaceChildren(...facts);
  $("detail-ship").hidden = order.status !== "paid";
}

function drawStatus(order, history) {
  const reasonKey = `orders.reason.${order.status_reason}`;
  $("detail-reason").textContent = order.status_reason && has(reasonKey) ? t(reasonKey) : "";
  const step = (at, key, params) => {
    const label = el("strong");
    setText(label, key, params);
    return { at, node: el("li", {}, label, " ", timeElement(at)) };
  };
  const steps = (history || []).map((change) =>
    // The first change is the order being placed (it waits for its payment from then on).
    step(change.at, change.from_status ? `orders.status.${change.to_status}` : "detail.history_placed"),
  );
  for (const line of order.lines.filter((l) => l.refunded_at)) {
    steps.push(step(line.refunded_at, "detail.history_line_refunded", { item: lineTitle(line) }));
  }
  steps.sort((a, b) => a.at - b.at); // stable: changes at the same time keep their order
  $("detail-history").replaceChildren(...steps.map((s) => s.node));
}

function drawPayment(order) {
  const gatewayKey = `detail.gateway.${order.gateway}`;
  $("detail-payment").replaceChildren(
    ...fact("detail.gateway_label", has(gatewayKey) ? t(gatewayKey) : order.gateway),
    ...fact("detail.payment_id", el("span", { className: "sku", textContent: order.payment_id || "–" })),
    ...fact("detail.placed_at", timeElement(order.created_at)),
    ...(order.paid_at ? fact("detail.paid_at", timeElement(order.paid_at)) : []),
    ...fact("order.total", formatMoney(order.total_minor, order.currency)),
  );
}

function draw() {
  if (!view) {
    return;
  }
  const { order, history } = view;
  setText($("order-detail-title"), "order.number", { id: order.id });
  const badge = $("order-detail-status");
  badge.dataset.status = order.status;
  badge.textContent = sellerStatusText(order);
  $("order-detail-test").hidden = !order.test;
  $("order-detail-back", HTMLAnchorElement).href = `/console/orders?show=${enc(order.show_id)}`;
  $("detail-address").replaceChildren(addressElement(order.address, { name: order.name }));
  $("detail-name").textContent = order.name; // text, never markup
  const email = $("detail-email", HTMLAnchorElement);
  email.textContent = order.email;
  email.href = `mailto:${order.email}`;
  if (view.showTitle) {
    setText($("detail-show"), "detail.show", { title: view.showTitle });
  } else {
    $("detail-show").textContent = "";
  }
  drawLines(order);
  drawShipment(order);
  drawStatus(order, history);
  drawPayment(order);
  $("order-detail").hidden = false;
}

async function enterOrder(orderId) {
  loading = orderId;
  view = null;
  $("order-detail").hidden = true;
  $("order-detail-title").textContent = "";
  $("order-detail-status").textContent = "";
  showError($("order-detail-error"), "");
  try {
    const body = await get(`/api/orders/${enc(orderId)}`);
    let showTitle = "";
    try {
      showTitle = (await get(`/api/shows/${enc(body.order.show_id)}`)).title || "";
    } catch (_showAway) {
      // The order stands without its show's title.
    }
    if (loading === orderId) {
      view = { order: body.order, history: body.history, showTitle };
      draw();
    }
  } catch (error) {
    if (loading === orderId) {
      showError($("order-detail-error"), errorText(error));
    }
  }
}

$("detail-ship").addEventListener("click", () => {
  const { order } = view;
  openShipDialog("ship.heading", { name: order.name }, async (shipment) => {
    const body = await post(`/api/orders/${enc(order.id)}/fulfil`, shipment);
    view = { ...view, order: body.order, history: body.history };
    draw();
    notify("orders.fulfilled", { name: order.name });
  });
});

$("detail-refund-all").addEventListener("click", () => {
  const { order } = view;
  const amount = formatMoney(order.total_minor - order.refunded_minor, order.currency);
  openRefundDialog("orders.refund_confirm", { amount, name: order.name }, async () => {
    const body = await post(`/api/orders/${enc(order.id)}/refund`);
    view = { ...view, order: body.order, history: body.history };
    draw();
    notify("orders.refunded", { name: order.name });
  });
});

export const orderView = {
  section: "view-order",
  enter: enterOrder,
  leave() {
    loading = null;
  },
  relabel: draw,
};
