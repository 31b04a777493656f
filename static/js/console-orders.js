// The creator's orders: every show's or one show's, by status, with Mark
// fulfilled and Refund; and the live room's own list, kept fresh while open.
import { notify, showError } from "./console-notice.js";
import { $, el } from "./dom.js";
import { formatDateTime, formatMoney } from "./format.js";
import { errorText, get, post } from "./http.js";
import { setText, t } from "./i18n.js";
import { lineSummary, sellerStatusText } from "./order-view.js";

const ROOM_POLL_MS = 4000; // the live room's orders, while its view is open
const LIST_POLL_MS = 15000; // the orders view, while open
const enc = encodeURIComponent;

/** `GET /api/orders` with filters -> `{orders, next_before}`. */
function fetchOrders({ showId = "", status = "", before = null, limit = 50 } = {}) {
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
function createOrderList(list, { report, showTitle = () => "", onChange = () => {} }) {
  const orders = new Map(); // id -> order
  const rows = new Map(); // id -> <li>

  function actionButton(order, action) {
    const button = el("button", {
      type: "button",
      className: action === "refund" ? "secondary small" : "primary small",
      dataset: { action },
    });
    setText(button, action === "refund" ? "orders.refund" : "orders.fulfil");
    button.addEventListener("click", async () => {
      if (action === "refund") {
        const total = formatMoney(order.total_minor, order.currency);
        if (!window.confirm(t("orders.refund_confirm", { total, name: order.name }))) {
          return;
        }
      }
      button.disabled = true;
      report("");
      try {
        const body = await post(`/api/orders/${enc(order.id)}/${action === "refund" ? "refund" : "fulfil"}`);
        put(body.order);
        notify(action === "refund" ? "orders.refunded" : "orders.fulfilled", { name: order.name });
      } catch (error) {
        report(errorText(error));
        button.disabled = false;
      }
    });
    return button;
  }

  function row(order) {
    const actions = [];
    if (order.status === "paid") {
      actions.push(actionButton(order, "fulfil"));
    }
    if (order.status === "paid" || order.status === "fulfilled") {
      actions.push(actionButton(order, "refund"));
    }
    const title = showTitle(order.show_id);
    return el(
      "li",
      { className: "row order-row", dataset: { id: order.id, status: order.status } },
      el(
        "span",
        { className: "row-main" },
        el("strong", { className: "order-buyer", textContent: order.name }), // text, never markup
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
        ),
      ),
      el("strong", { className: "order-amount", textContent: formatMoney(order.total_minor, order.currency) }),
      el("span", { className: "order-badge", dataset: { status: order.status }, textContent: sellerStatusText(order) }),
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

// ---- The Orders view (/console/orders?show=&status=) ------------------------------

let shows = [];
let nextBefore = null;
let listTimer = null;
const mainList = createOrderList($("order-list"), {
  report: (text) => showError($("orders-error"), text),
  showTitle: (showId) => {
    const show = shows.find((s) => s.id === showId);
    return show ? show.title : "";
  },
  onChange: () => {
    $("orders-empty").hidden = mainList.orders.length > 0;
  },
});

function filters() {
  return { showId: $("orders-show").value, status: $("orders-status").value };
}

function drawShowFilter(selected) {
  const select = $("orders-show");
  const all = el("option", { value: "" });
  setText(all, "orders.all_shows");
  select.replaceChildren(all, ...shows.map((show) => el("option", { value: show.id, textContent: show.title })));
  select.value = shows.some((s) => s.id === selected) ? selected : "";
}

async function loadOrders() {
  showError($("orders-error"), "");
  try {
    const page = await fetchOrders(filters());
    mainList.reset(page.orders || []);
    nextBefore = page.next_before;
    $("orders-more").hidden = nextBefore === null || nextBefore === undefined;
  } catch (error) {
    mainList.reset([]);
    showError($("orders-error"), errorText(error));
  }
}

async function pollOrders() {
  if (document.hidden) {
    return;
  }
  try {
    const page = await fetchOrders(filters());
    mainList.merge(page.orders || []);
  } catch (_unavailable) {
    // The next round tries again; the Refresh button shows errors.
  }
}

function rememberFilters() {
  const { showId, status } = filters();
  const query = new URLSearchParams();
  if (showId) {
    query.set("show", showId);
  }
  if (status) {
    query.set("status", status);
  }
  const search = query.toString();
  history.replaceState(null, "", `/console/orders${search ? `?${search}` : ""}`);
}

async function enterOrders() {
  const query = new URLSearchParams(location.search);
  $("orders-status").value = query.get("status") || "";
  try {
    shows = (await get("/api/shows?mine=1")).shows || [];
  } catch (_unavailable) {
    shows = [];
  }
  drawShowFilter(query.get("show") || "");
  await loadOrders();
  clearInterval(listTimer);
  listTimer = setInterval(pollOrders, LIST_POLL_MS);
}

for (const id of ["orders-show", "orders-status"]) {
  $(id).addEventListener("change", () => {
    rememberFilters();
    loadOrders();
  });
}
$("orders-refresh").addEventListener("click", loadOrders);
$("orders-more").addEventListener("click", async () => {
  $("orders-more").disabled = true;
  try {
    const page = await fetchOrders({ ...filters(), before: nextBefore });
    mainList.append(page.orders || []);
    nextBefore = page.next_before;
    $("orders-more").hidden = nextBefore === null || nextBefore === undefined;
  } catch (error) {
    showError($("orders-error"), errorText(error));
  } finally {
    $("orders-more").disabled = false;
  }
});

export const ordersView = {
  section: "view-orders",
  enter: enterOrders,
  leave() {
    clearInterval(listTimer);
    listTimer = null;
  },
  relabel() {
    drawShowFilter($("orders-show").value);
    mainList.redraw();
  },
};

// ---- The live room's orders ----------------------------------------------------------

let roomShowId = null;
let roomTimer = null;
let soonTimer = null;
const roomList = createOrderList($("room-orders"), {
  report: (text) => showError($("room-orders-error"), text),
  onChange: drawRoomTotals,
});

/** How many orders are paid and what they came to (per currency). */
function drawRoomTotals() {
  const sold = roomList.orders.filter((o) => o.status === "paid" || o.status === "fulfilled");
  const sums = new Map();
  for (const order of sold) {
    sums.set(order.currency, (sums.get(order.currency) || 0) + order.total_minor);
  }
  $("room-orders-paid").textContent = String(sold.length);
  $("room-orders-total").textContent = [...sums].map(([currency, minor]) => formatMoney(minor, currency)).join(" + ") || "–";
  $("room-orders-empty").hidden = roomList.orders.length > 0;
}

async function pollRoom() {
  const showId = roomShowId;
  if (!showId || document.hidden) {
    return;
  }
  try {
    const page = await fetchOrders({ showId });
    if (showId === roomShowId) {
      roomList.merge(page.orders || []);
      showError($("room-orders-error"), "");
    }
  } catch (error) {
    if (showId === roomShowId) {
      showError($("room-orders-error"), errorText(error));
    }
  }
}

/** Show the orders of the room's show and keep them fresh until `stopRoomOrders()`. */
export function startRoomOrders(showId) {
  stopRoomOrders();
  roomShowId = showId;
  roomList.reset([]);
  $("room-orders-all").href = `/console/orders?show=${enc(showId)}`;
  pollRoom();
  roomTimer = setInterval(pollRoom, ROOM_POLL_MS);
}

/** The room heard of a purchase or a stock change: look again soon (once per burst). */
export function roomOrdersChanged() {
  if (roomShowId && !soonTimer) {
    soonTimer = setTimeout(() => {
      soonTimer = null;
      pollRoom();
    }, 300);
  }
}

export function stopRoomOrders() {
  roomShowId = null;
  clearInterval(roomTimer);
  clearTimeout(soonTimer);
  roomTimer = null;
  soonTimer = null;
}

export function relabelRoomOrders() {
  roomList.redraw();
}
