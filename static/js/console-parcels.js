// One show's orders by buyer: a parcel is a buyer's orders to one address
// (packed and sent together), with "Mark parcel shipped" for all of them.
import { addressElement } from "./address.js";
import { notify } from "./console-notice.js";
import { openShipDialog } from "./console-order-dialogs.js";
import { el } from "./dom.js";
import { errorText, get, post } from "./http.js";
import { setText, t } from "./i18n.js";
import { lineSummary, sellerStatusText, testBadge } from "./order-view.js";

const enc = encodeURIComponent;
// The Orders view's status filter as a parcel filter; other statuses ship nothing.
const PARCEL_FILTERS = { "": "all", paid: "paid", fulfilled: "fulfilled" };

/** The parcels of a show drawn into `list` (a <ul>). */
export function createParcelList(list, { report, onDrawn }) {
  let shown = { showId: "", parcels: [] };

  function orderItem(order) {
    return el(
      "li",
      { className: "parcel-order" },
      el("a", {
        href: `/console/orders/${enc(order.id)}`,
        dataset: { nav: "" },
        textContent: t("order.number", { id: order.id }),
      }),
      // What goes in the box: refunded lines stay out.
      el("span", { textContent: ` ${order.lines.filter((l) => !l.refunded).map(lineSummary).join(", ")} ` }),
      el("span", { className: "order-badge", dataset: { status: order.status }, textContent: sellerStatusText(order) }),
      testBadge(order),
    );
  }

  function shipButton(parcel) {
    const button = el("button", { type: "button", className: "primary small", dataset: { action: "ship-parcel" } });
    setText(button, "orders.ship_parcel");
    button.addEventListener("click", () => {
      report("");
      openShipDialog("ship.heading_parcel", { name: parcel.name }, async (shipment) => {
        await post(`/api/shows/${enc(shown.showId)}/parcels/${enc(parcel.id)}/fulfil`, shipment);
        notify("orders.parcel_shipped", { name: parcel.name });
        await load(shown.showId, shown.status);
      });
    });
    return button;
  }

  function row(parcel) {
    const units = el("span", { className: "parcel-units muted" });
    setText(units, "orders.parcel_units", { count: parcel.units });
    return el(
      "li",
      { className: "row parcel-row", dataset: { id: parcel.id, status: parcel.status } },
      el(
        "div",
        { className: "row-main" },
        el("strong", { className: "parcel-name", textContent: parcel.name }), // text, never markup
        el("span", { className: "muted", textContent: parcel.email }),
        addressElement(parcel.address),
        el("ul", { className: "parcel-orders" }, ...parcel.orders.map(orderItem)),
      ),
      units,
      el("span", { className: "row-actions" }, parcel.status === "paid" ? shipButton(parcel) : null),
    );
  }

  function draw() {
    list.replaceChildren(...shown.parcels.map(row));
    onDrawn(shown.parcels.length);
  }

  /** Fetch and draw the parcels of `showId` whose orders have the Orders view's `status`. */
  async function load(showId, status) {
    const filter = PARCEL_FILTERS[status || ""];
    shown = { showId, status, parcels: [] };
    if (!filter) {
      draw(); // waiting, refunded or canceled orders make no parcel
      return;
    }
    try {
      const body = await get(`/api/shows/${enc(showId)}/parcels?status=${filter}`);
      if (shown.showId === showId && shown.status === status) {
        shown.parcels = body.parcels || [];
      }
    } catch (error) {
      report(errorText(error));
    }
    draw();
  }

  return { load, redraw: draw };
}
