// A show's packing list (/console/shows/{id}/packing-list?status=paid|all):
// one block per parcel with where it goes, who to contact and what to pack,
// each line with a tick box; printed one parcel per page.
import { addressElement } from "./address.js";
import { showError } from "./console-notice.js";
import { $, el } from "./dom.js";
import { formatDateTime } from "./format.js";
import { errorText, get } from "./http.js";
import { setText, t } from "./i18n.js";

const enc = encodeURIComponent;
let current = null; // {showId, status, body, at}

function header(key, className) {
  const cell = el("th", { className, attrs: { scope: "col" } });
  setText(cell, key);
  return cell;
}

/** The lines to pack: every line of the parcel's orders that was not refunded. */
function packRows(parcel) {
  const rows = [];
  for (const order of parcel.orders) {
    for (const line of order.lines.filter((l) => !l.refunded)) {
      const tick = el("input", { type: "checkbox", className: "packing-tick" });
      tick.setAttribute("aria-label", `${line.sku} ${line.title}`);
      rows.push(
        el(
          "tr",
          {},
          el("td", { className: "tick" }, tick),
          el("td", { className: "sku", textContent: line.sku }),
          el("td", { textContent: line.variant_name ? `${line.title} · ${line.variant_name}` : line.title }),
          el("td", { className: "num quantity", textContent: String(line.quantity) }),
        ),
      );
    }
  }
  return rows;
}

function parcelBlock(parcel, index, count) {
  const heading = el("h3");
  setText(heading, "packing.parcel", { n: index + 1, total: count, name: parcel.name });
  const shipTo = el("h4");
  setText(shipTo, "detail.ship_to");
  const contact = el("h4");
  setText(contact, "detail.contact");
  const orders = el("p", { className: "muted packing-orders" });
  setText(orders, "packing.orders", { ids: parcel.orders.map((o) => o.id).join(", ") });
  const table = el(
    "table",
    { className: "packing-lines" },
    el(
      "thead",
      {},
      el("tr", {}, header("packing.col_packed", "tick"), header("detail.col_sku", "sku-col"), header("detail.col_item"), header("detail.col_quantity", "num")),
    ),
    el("tbody", {}, ...packRows(parcel)),
  );
  return el(
    "article",
    { className: "packing-parcel", dataset: { id: parcel.id } },
    heading,
    el(
      "div",
      { className: "packing-who" },
      el("div", {}, shipTo, addressElement(parcel.address, { name: parcel.name })),
      el("div", {}, contact, el("p", { textContent: parcel.name }), el("p", { textContent: parcel.email })),
    ),
    table,
    orders,
  );
}

function draw() {
  if (!current || !current.body) {
    return;
  }
  const { body, at } = current;
  const parcels = body.parcels || [];
  $("packing-title").textContent = body.show.title; // text, never markup
  const units = parcels.reduce((sum, parcel) => sum + parcel.units, 0);
  setText($("packing-summary"), "packing.summary", {
    parcels: t("packing.parcels", { count: parcels.length }),
    units: t("orders.parcel_units", { count: units }),
    time: formatDateTime(at),
  });
  $("packing-parcels").replaceChildren(...parcels.map((parcel, i) => parcelBlock(parcel, i, parcels.length)));
  $("packing-empty").hidden = parcels.length > 0;
}

async function load() {
  const { showId, status } = current;
  showError($("packing-error"), "");
  try {
    const body = await get(`/api/shows/${enc(showId)}/parcels?status=${enc(status)}`);
    if (current && current.showId === showId && current.status === status) {
      current.body = body;
      current.at = Date.now() / 1000;
      draw();
    }
  } catch (error) {
    showError($("packing-error"), errorText(error));
  }
}

async function enterPacking(showId) {
  const status = new URLSearchParams(location.search).get("status") === "all" ? "all" : "paid";
  current = { showId, status, body: null, at: 0 };
  $("packing-status", HTMLSelectElement).value = status;
  $("packing-back", HTMLAnchorElement).href = `/console/orders?show=${enc(showId)}&view=parcels`;
  $("packing-title").textContent = "";
  $("packing-summary").textContent = "";
  $("packing-parcels").replaceChildren();
  $("packing-empty").hidden = true;
  await load();
}

$("packing-status").addEventListener("change", () => {
  if (!current) {
    return;
  }
  current = { ...current, status: $("packing-status", HTMLSelectElement).value, body: null };
  const query = current.status === "all" ? "?status=all" : "";
  history.replaceState(null, "", `/console/shows/${enc(current.showId)}/packing-list${query}`);
  load();
});
$("packing-print").addEventListener("click", () => window.print());

export const packingView = {
  section: "view-packing",
  enter: enterPacking,
  leave() {
    current = null;
  },
  relabel: draw,
};
