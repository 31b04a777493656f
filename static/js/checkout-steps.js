// The checkout sheet's simple steps as elements: the display-name form a
// buyer without one fills first, and the order's confirmation.
import { el } from "./dom.js";
import { setText } from "./i18n.js";
import { orderPrice } from "./order-pricing.js";
import { linesList, reasonText, statusText, testBadge } from "./order-view.js";

/**
 * The name form; `onName(name)` saves it and may throw (the form lets the
 * buyer try again). Returns `{nodes, input}`.
 */
export function nameStep({ onName }) {
  const input = el("input", {
    id: "checkout-viewer-name",
    maxLength: 40,
    autocomplete: "nickname",
    required: true,
  });
  const label = el("span", {});
  setText(label, "checkout.name_label");
  const hint = el("p", { className: "muted" });
  setText(hint, "checkout.name_hint");
  const submit = el("button", { type: "submit", className: "primary" });
  setText(submit, "checkout.name_continue");
  const form = el(
    "form",
    { className: "fields name-step" },
    hint,
    el("div", { className: "inline" }, el("label", { className: "field" }, label, input), submit),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = input.value.trim();
    if (!name) {
      input.focus();
      return;
    }
    submit.disabled = true;
    try {
      await onName(name);
    } catch (_shown) {
      submit.disabled = false; // the sheet said why
    }
  });
  return { nodes: [form], input };
}

/** The confirmation of `order`: its status in words, lines, total, and `onBack` to the show. */
export function doneStep(order, { onBack }) {
  const status = el("p", { className: "order-status", dataset: { status: order.status } });
  status.textContent = statusText(order);
  const test = testBadge(order);
  const reason = reasonText(order);
  const number = el("p", { className: "muted order-number" });
  setText(number, "order.number", { id: order.id });
  const view = el("a", {
    className: "button secondary",
    href: `/orders/${encodeURIComponent(order.id)}`,
    target: "_blank",
    rel: "noopener",
  });
  setText(view, "checkout.view_order");
  const back = el("button", { type: "button", className: "primary" });
  setText(back, "checkout.back_to_show");
  back.addEventListener("click", onBack);
  const nodes = [
    status,
    test,
    reason ? el("p", { className: "order-reason", textContent: reason }) : null,
    number,
    linesList(order.lines, order.currency),
    orderPrice(order),
    el("div", { className: "actions" }, view, back),
  ];
  return { nodes: nodes.filter((node) => node !== null), back };
}
