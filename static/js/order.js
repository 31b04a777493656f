// The buyer's order page (/orders/{id}): where the order stands, what was
// bought, where it goes. Stripe sends buyers back here after paying, so a
// pending order is first checked with the gateway; one still unpaid can be
// paid from here.
import { mountBell } from "./bell.js";
import { fetchOrder, refreshOrder } from "./checkout-api.js";
import { $ } from "./dom.js";
import { formatDateTime, formatMoney } from "./format.js";
import { errorText } from "./http.js";
import { initI18n, onLanguageChange, setText } from "./i18n.js";
import { orderPrice } from "./order-pricing.js";
import { addressBlock, linesList, reasonText, statusText } from "./order-view.js";
import { createOrderReviews } from "./order-reviews.js";
import { createPaymentStep } from "./payment-step.js";

initI18n();
mountBell();
const orderId = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");
const query = new URLSearchParams(location.search);
const stripeSaid = query.get("redirect_status"); // succeeded | processing | failed, after Stripe
if (query.has("payment_intent_client_secret") || stripeSaid) {
  // Keep the payment's secret out of the history and of shared links.
  history.replaceState(null, "", location.pathname);
}
let view = null; // {order, payment}
let pay = null; // the payment form while the order waits for one
const reviews = createOrderReviews($("order-reviews"));

function showError(text) {
  const node = $("order-error");
  delete node.dataset.i18n;
  node.textContent = text || "";
}

function render() {
  if (!view) {
    return;
  }
  const { order, payment } = view;
  const pending = order.status === "pending_payment";
  $("order-loading").hidden = true;
  $("order").hidden = false;
  $("order").dataset.status = order.status;
  const status = $("order-status");
  status.dataset.status = order.status;
  status.textContent = statusText(order);
  $("order-test").hidden = !order.test;
  const reason = reasonText(order);
  if (pending && stripeSaid === "failed") {
    setText($("order-reason"), "orderpage.payment_failed");
  } else {
    delete $("order-reason").dataset.i18n;
    $("order-reason").textContent = reason;
  }
  setText($("order-number"), "order.number", { id: order.id });
  renderShipment(order.shipment);
  $("order-lines").replaceChildren(linesList(order.lines, order.currency), orderPrice(order));
  const partlyRefunded = order.refunded_minor > 0 && order.status !== "refunded";
  $("order-refunded").hidden = !partlyRefunded;
  if (partlyRefunded) {
    setText($("order-refunded"), "orderpage.refunded", { amount: formatMoney(order.refunded_minor, order.currency) });
  }
  reviews.show(order);
  $("order-address").replaceChildren(addressBlock(order));
  $("order-email").textContent = order.email; // text, never markup
  const placed = order.paid_at ? ["orderpage.paid_at", order.paid_at] : ["orderpage.placed_at", order.created_at];
  setText($("order-placed"), placed[0], { time: formatDateTime(placed[1]) });
  $("order-back", HTMLAnchorElement).href = `/watch/${encodeURIComponent(order.show_id)}`;
  $("order-message", HTMLAnchorElement).href = `/messages?order=${encodeURIComponent(order.id)}`;
  document.title = `${statusText(order)} · livesale`;

  const payable = pending && payment && payment.payment_id && payment.status !== "processing";
  $("order-pay").hidden = !payable;
  $("order-check").hidden = !pending;
  if (payable && !pay) {
    pay = createPaymentStep({ order, payment, onDone: finished });
    $("order-pay-form").replaceChildren(pay.element);
  } else if (!payable) {
    pay = null;
    $("order-pay-form").replaceChildren();
  }
}

/** A web address to link to, or null (the server accepts only these; never a script). */
function webAddress(text) {
  try {
    const url = new URL(text);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch (_notAnAddress) {
    return null;
  }
}

/** The carrier, tracking number and tracking link, once the seller has sent the order. */
function renderShipment(shipment) {
  $("order-shipment").hidden = !shipment;
  if (!shipment) {
    return;
  }
  const carrier = $("order-carrier");
  carrier.hidden = !shipment.carrier;
  setText(carrier, "orderpage.carrier", { carrier: shipment.carrier });
  const number = $("order-tracking-number");
  number.hidden = !shipment.tracking_number;
  setText(number, "orderpage.tracking_number", { number: shipment.tracking_number });
  const href = shipment.tracking_url ? webAddress(shipment.tracking_url) : null;
  $("order-track-line").hidden = !href;
  if (href) {
    $("order-track", HTMLAnchorElement).href = href;
  } else {
    $("order-track").removeAttribute("href");
  }
}

function finished(order) {
  view = { order, payment: null };
  render();
}

async function load() {
  try {
    let body = await fetchOrder(orderId);
    if (body.order.status === "pending_payment") {
      try {
        body = await refreshOrder(orderId); // the payment may have landed meanwhile
      } catch (_gatewayAway) {
        // Show what we know; "Check again" asks later.
      }
    }
    view = body;
    render();
  } catch (error) {
    $("order-loading").hidden = true;
    if (error.code === "not_signed_in" || error.code === "order_not_found") {
      setText($("order-error"), `orderpage.${error.code}`);
    } else {
      showError(errorText(error));
    }
  }
}

$("order-check").addEventListener("click", async () => {
  $("order-check", HTMLButtonElement).disabled = true;
  showError("");
  try {
    view = await refreshOrder(orderId);
    render();
  } catch (error) {
    showError(errorText(error));
  } finally {
    $("order-check", HTMLButtonElement).disabled = false;
  }
});

onLanguageChange(() => {
  if (pay) {
    pay.relabel();
  }
  render();
});
load();
