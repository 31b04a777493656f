// A list of order rows for the console (the Orders view and the live room's
// list): each row opens its order, with Mark shipped and Refund where they apply.
import { notify } from "./console-notice.js";
import { openRefundDialog, openShipDialog } from "./console-order-dialogs.js";
import { el } from "./dom.js";
import { formatDateTime, formatMoney } from "./format.js";
import { get, post } from "./http.js";
import { setText, t } from "./i18n.js";
import { lineSummary, sellerStatusText, testBadge } from "./order-view.js";

const enc = encodeURIComponent;

/** `GET /api/orders` with filters -> `{orders, next_before}`. */
export function fetchOrders({ showId = "", status = "", before = null, limit = 50 } = {}) {
  const query = new URLSearchParams({ limit: String(limit) });
  if (showId) {
    query.set("show_id", showId);
  }
  if (status) {
    query.set("status", status);
  }
  if (before !== null) {
    query.set("before", String(before));
  }
  return get(`/api/orders?${query}`);
}

/**
 * Orders drawn into `list` (a <ul>), newest first. `merge(orders)` updates the
 * rows that changed and adds new ones on top, so polling never disturbs a row
 * being clicked; `append(orders)` adds older ones below.
 */
/**
 * @param {HTMLElement} list
 * @param {{report: (text: string) => void, showTitle?: (showId: string) => string, onChange?: () => void}} options
 */
export function createOrderList(list, { report, showTitle = () => "", onChange = () => {} }) {
  const orders = new Map(); // id -> order
  const rows = new Map(); // id -> <li>

  function actionButton(order, action) {
    const button = el("button", {
      type: "button",
      className: action === "refund" ? "secondary small" : "primary small",
      dataset: { action },
    });
    setText(button, action === "refund" ? "orders.refund" : "orders.fulfil");
    button.addEventListener("click", () => {
      report("");
      if (action === "refund") {
        const amount = formatMoney(order.total_minor - (order.refunded_minor || 0), order.currency);
        openRefundDialog("orders.refund_confirm", { amount, name: order.name }, async () => {
          put((await post(`/api/orders/${enc(order.id)}/refund`)).order);
          notify("orders.refunded", { name: order.name });
        });
      } else {
        openShipDialog("ship.heading", { name: order.name }, async (shipment) => {
          put((await post(`/api/orders/${enc(order.id)}/fulfil`, shipment)).order);
          notify("orders.fulfilled", { name: order.name });
        });
      }
    });
    return button;
  }

  /** What happened since it was paid: its shipment and money given back. */
  function aftercare(order) {
    const notes = [];
    if (order.shipment && (order.shipment.carrier || order.shipment.tracking_number)) {
      notes.push([order.shipment.carrier, order.shipment.tracking_number].filter(Boolean).join(" "));
    }
    if (order.refunded_minor && order.status !== "refunded") {
      notes.push(t("orders.partly_refunded", { amount: formatMoney(order.refunded_minor, order.currency) }));
    }
    return notes.map((note) => ` · ${note}`).join("");
  }

  function row(order) {
    const actions = [];
    if (order.status === "paid") {
      actions.push(actionButton(order, "fulfil"));
    }
    if (order.status === "paid" || order.status === "fulfilled") {
      actions.push(actionButton(order, "refund"));
    }
    const open = el("a", {
      className: "button secondary small",
      href: `/console/orders/${enc(order.id)}`,
      dataset: { nav: "", action: "open" },
    });
    setText(open, "orders.open");
    actions.push(open);
    const title = showTitle(order.show_id);
    return el(
      "li",
      { className: "row order-row", dataset: { id: order.id, status: order.status } },
      el(
        "span",
        { className: "row-main" },
        // The buyer's name opens the order (text, never markup).
        el("a", {
          className: "order-buyer",
          href: `/console/orders/${enc(order.id)}`,
          dataset: { nav: "" },
          textContent: order.name,
        }),
        el("span", { className: "muted order-email", textContent: order.email }),
        el("span", { className: "order-items", textContent: order.lines.map(lineSummary).join(", ") }),
        el(
          "span",
          { className: "muted order-meta" },
          el("time", {
            dateTime: new Date(order.created_at * 1000).toISOString(),
            textContent: formatDateTime(order.created_at),
          }),
          title ? ` · ${title}` : "",
          aftercare(order),
        ),
      ),
      el("strong", { className: "order-amount", textContent: formatMoney(order.total_minor, order.currency) }),
      el("span", { className: "order-badge", dataset: { status: order.status }, textContent: sellerStatusText(order) }),
      testBadge(order),
      el("span", { className: "row-actions" }, ...actions),
    );
  }

  /** Add or redraw one order. */
  function put(order, { atTop = true } = {}) {
    const known = orders.get(order.id);
    orders.set(order.id, order);
    if (known && JSON.stringify(known) === JSON.stringify(order)) {
      return;
    }
    const node = row(order);
    const old = rows.get(order.id);
    if (old) {
      old.replaceWith(node);
    } else if (atTop) {
      list.prepend(node);
    } else {
      list.append(node);
    }
    rows.set(order.id, node);
    onChange();
  }

  /** Replace everything. */
  function reset(items) {
    orders.clear();
    rows.clear();
    list.replaceChildren();
    for (const order of items) {
      put(order, { atTop: false });
    }
    onChange();
  }

  return {
    reset,
    /** The newest page again: changed rows redrawn, new orders on top (oldest of them first). */
    merge(items) {
      for (const order of [...items].reverse()) {
        put(order, { atTop: true });
      }
    },
    append(items) {
      for (const order of items) {
        put(order, { atTop: false });
      }
    },
    /** Redraw every row (a language switch). */
    redraw() {
      reset([...orders.values()].sort((a, b) => b.created_at - a.created_at));
    },
    get orders() {
      return [...orders.values()];
    },
  };
}
