// The creator's orders: every show's or one show's, by status, with Mark
// shipped and Refund, each row opening the order; one show's orders by buyer
// (parcels); the CSV of the filtered orders; and the live room's own list,
// kept fresh while open.
import { showError } from "./console-notice.js";
import { createOrderList, fetchOrders } from "./console-order-list.js";
import { createParcelList } from "./console-parcels.js";
import { $, el } from "./dom.js";
import { formatMoney } from "./format.js";
import { errorText, get } from "./http.js";
import { setText } from "./i18n.js";

const ROOM_POLL_MS = 4000; // the live room's orders, while its view is open
const LIST_POLL_MS = 15000; // the orders view, while open
const enc = encodeURIComponent;

// ---- The Orders view (/console/orders?show=&status=&view=) -------------------------

let shows = [];
let nextBefore = null;
let listTimer = null;
let mode = "list"; // or "parcels": one show's orders by buyer
const mainList = createOrderList($("order-list"), {
  report: (text) => showError($("orders-error"), text),
  showTitle: (showId) => {
    const show = shows.find((s) => s.id === showId);
    return show ? show.title : "";
  },
  onChange: () => {
    $("orders-empty").hidden = mode !== "list" || mainList.orders.length > 0;
  },
});
const parcels = createParcelList($("parcel-list"), {
  report: (text) => showError($("orders-error"), text),
  onDrawn: (count) => {
    $("parcels-empty").hidden = mode !== "parcels" || count > 0;
  },
});

function filters() {
  return { showId: $("orders-show", HTMLSelectElement).value, status: $("orders-status", HTMLSelectElement).value };
}

function drawShowFilter(selected) {
  const select = $("orders-show", HTMLSelectElement);
  const all = el("option", { value: "" });
  setText(all, "orders.all_shows");
  select.replaceChildren(all, ...shows.map((show) => el("option", { value: show.id, textContent: show.title })));
  select.value = shows.some((s) => s.id === selected) ? selected : "";
}

/** The tools of one show (by buyer, packing list) and the CSV of what is shown. */
function drawTools() {
  const { showId, status } = filters();
  if (!showId) {
    mode = "list";
  }
  $("orders-show-tools").hidden = !showId;
  $("orders-mode-list").setAttribute("aria-pressed", String(mode === "list"));
  $("orders-mode-parcels").setAttribute("aria-pressed", String(mode === "parcels"));
  $("orders-packing", HTMLAnchorElement).href = showId ? `/console/shows/${enc(showId)}/packing-list` : "/console/orders";
  const query = new URLSearchParams();
  if (showId) {
    query.set("show_id", showId);
  }
  if (status) {
    query.set("status", status);
  }
  const search = query.toString();
  $("orders-csv", HTMLAnchorElement).href = `/api/orders.csv${search ? `?${search}` : ""}`;
  const list = mode === "list";
  $("order-list").hidden = !list;
  $("parcel-list").hidden = list;
  $("parcels-hint").hidden = list;
  if (list) {
    $("parcels-empty").hidden = true;
  } else {
    $("orders-empty").hidden = true;
    $("orders-more").hidden = true;
  }
}

async function loadOrders() {
  showError($("orders-error"), "");
  drawTools();
  if (mode === "parcels") {
    await parcels.load(filters().showId, filters().status);
    return;
  }
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
  if (document.hidden || mode !== "list") {
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
  if (showId && mode === "parcels") {
    query.set("view", "parcels");
  }
  const search = query.toString();
  history.replaceState(null, "", `/console/orders${search ? `?${search}` : ""}`);
}

async function enterOrders() {
  const query = new URLSearchParams(location.search);
  $("orders-status", HTMLSelectElement).value = query.get("status") || "";
  mode = query.get("view") === "parcels" ? "parcels" : "list";
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
    drawTools();
    rememberFilters();
    loadOrders();
  });
}
for (const [id, chosen] of [["orders-mode-list", "list"], ["orders-mode-parcels", "parcels"]]) {
  $(id).addEventListener("click", () => {
    mode = chosen;
    rememberFilters();
    loadOrders();
  });
}
$("orders-refresh").addEventListener("click", loadOrders);
$("orders-more").addEventListener("click", async () => {
  $("orders-more", HTMLButtonElement).disabled = true;
  try {
    const page = await fetchOrders({ ...filters(), before: nextBefore });
    mainList.append(page.orders || []);
    nextBefore = page.next_before;
    $("orders-more").hidden = nextBefore === null || nextBefore === undefined;
  } catch (error) {
    showError($("orders-error"), errorText(error));
  } finally {
    $("orders-more", HTMLButtonElement).disabled = false;
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
    drawShowFilter($("orders-show", HTMLSelectElement).value);
    mainList.redraw();
    parcels.redraw();
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
  $("room-orders-all", HTMLAnchorElement).href = `/console/orders?show=${enc(showId)}`;
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
