// The console's auctions: a form to start one on a bag product (with the
// usual defaults filled in), then its live state (price, leader, clock, bids)
// with Cancel while nobody has bid, and the result.
import { cancelAuction, startAuction } from "./auction-api.js";
import { el } from "./dom.js";
import { errorText } from "./http.js";
import { formatDuration, formatMoney, minorToInput, parseMoney } from "./format.js";
import { setText, t } from "./i18n.js";
import { priceInfo } from "./pin-card.js";

const TICK_MS = 250;

/**
 * The auction panel in `container` for the show `showId()` (the room's show).
 * @param {HTMLElement} container
 * @param {{showId: () => string | null}} options
 */
export function createConsoleAuction(container, { showId }) {
  let product = null; // the product the form is open for
  let auction = null; // the show's latest auction, as the room told it
  let offsetMs = 0; // the server's clock minus this device's
  let timer = null;
  let error = "";

  /** Open the start form for `next` (a bag product). */
  function open(next) {
    product = next;
    error = "";
    render();
  }

  function close() {
    product = null;
    error = "";
    render();
  }

  /** The room's snapshot or `auction` event. */
  function apply(next) {
    auction = next || null;
    if (auction && typeof auction.server_now_ms === "number") {
      offsetMs = auction.server_now_ms - Date.now();
    }
    render();
  }

  function render() {
    clearInterval(timer);
    const parts = [];
    if (product) {
      parts.push(startForm());
    }
    if (auction && auction.status !== "canceled") {
      parts.push(livePanel());
    }
    container.replaceChildren(...parts);
    container.hidden = parts.length === 0;
    if (auction && auction.status === "open") {
      timer = setInterval(drawClock, TICK_MS);
    }
    drawClock();
  }

  function field(labelKey, input) {
    return el("label", { className: "field" }, el("span", { textContent: t(labelKey) }), input);
  }

  function startForm() {
    const variants = (product.variants || []).filter((v) => !v.archived);
    const price = priceInfo(product);
    const currency = price ? price.currency : "USD";
    const variant = el(
      "select",
      { name: "variant" },
      ...variants.map((v) => el("option", { value: v.id, textContent: v.name || v.sku })),
    );
    const start = el("input", {
      name: "start",
      inputMode: "decimal",
      value: minorToInput(Math.max(100, Math.round((price ? price.lowest : 1000) / 2)), currency),
    });
    const seconds = el("input", { name: "seconds", type: "number", min: "5", max: "120", step: "1", value: "30" });
    const counter = el("input", { name: "counter", type: "number", min: "0", max: "60", step: "1", value: "10" });
    const sudden = el("input", { name: "sudden", type: "checkbox" });
    const policy = el(
      "select",
      { name: "policy" },
      el("option", { value: "second_chance", textContent: t("auction_form.second_chance") }),
      el("option", { value: "release", textContent: t("auction_form.release") }),
    );
    const submit = el("button", { type: "submit", className: "primary", textContent: t("auction_form.start") });
    const cancel = el("button", { type: "button", className: "secondary", textContent: t("common.cancel") });
    cancel.addEventListener("click", close);
    const form = el(
      "form",
      { className: "fields sale-form auction-form", noValidate: true },
      el("h4", { textContent: t("auction_form.heading", { title: product.title }) }),
      el(
        "div",
        { className: "grid-2" },
        variants.length > 1 ? field("auction_form.variant", variant) : null,
        field("auction_form.start_price", start),
        field("auction_form.seconds", seconds),
        field("auction_form.counter", counter),
        field("auction_form.unpaid", policy),
      ),
      el("label", { className: "check" }, sudden, el("span", { textContent: t("auction_form.sudden") })),
      el("p", { className: "error", attrs: { role: "alert" }, textContent: error }),
      el("div", { className: "actions" }, submit, cancel),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const amount = parseMoney(start.value, currency);
      if (amount === null || amount < 1) {
        error = t("auction_form.bad_price");
        render();
        return;
      }
      submit.disabled = true;
      try {
        const body = await startAuction(/** @type {string} */ (showId()), {
          variant_id: variant.value || (variants[0] && variants[0].id),
          start_price_minor: amount,
          duration_seconds: Number(seconds.value),
          counter_bid_seconds: Number(counter.value),
          sudden_death: sudden.checked,
          unpaid_policy: policy.value,
        });
        product = null;
        error = "";
        apply(body.auction);
      } catch (failure) {
        submit.disabled = false;
        error = errorText(failure);
        render();
      }
    });
    return form;
  }

  function livePanel() {
    const currency = auction.currency;
    const head = el("span", { className: "pin-flag auction-flag", textContent: t("auction.flag") });
    const price = el("p", { className: "auction-price" });
    if (auction.leader) {
      setText(price, "auction.price_by", { price: formatMoney(auction.price_minor, currency), name: auction.leader.name });
    } else {
      setText(price, "auction.starting", { price: formatMoney(auction.price_minor, currency) });
    }
    const bids = el("p", { className: "muted", textContent: t("auction_console.bids", { n: auction.bids }) });
    const clock = el("p", { className: "auction-clock", attrs: { role: "timer" }, dataset: { clock: "" } });
    const panel = el(
      "div",
      { className: "auction-live", dataset: { status: auction.status, auctionId: auction.id } },
      head,
      price,
      bids,
      clock,
    );
    if (auction.status === "closed") {
      const result = el("p", { className: "auction-state" });
      if (auction.buyer) {
        setText(result, "auction_console.sold", {
          name: auction.leader ? auction.leader.name : "",
          price: formatMoney(auction.buyer_price_minor || auction.price_minor, currency),
        });
      } else {
        setText(result, auction.leader ? "auction_console.no_unit" : "auction.no_bids");
      }
      panel.append(result);
    }
    if (auction.status === "open" && auction.bids === 0) {
      const cancel = el("button", { type: "button", className: "secondary small", textContent: t("auction_console.cancel") });
      cancel.addEventListener("click", async () => {
        cancel.disabled = true;
        try {
          apply((await cancelAuction(/** @type {string} */ (showId()), auction.id)).auction);
        } catch (failure) {
          cancel.disabled = false;
          panel.append(el("p", { className: "error", attrs: { role: "alert" }, textContent: errorText(failure) }));
        }
      });
      panel.append(cancel);
    }
    return panel;
  }

  function drawClock() {
    const clock = container.querySelector("[data-clock]");
    if (!clock || !auction) {
      return;
    }
    if (auction.status !== "open") {
      setText(/** @type {HTMLElement} */ (clock), "auction.closed");
      return;
    }
    const now = Date.now() + offsetMs;
    const left = Math.max(auction.ends_at_ms - now, 0);
    setText(/** @type {HTMLElement} */ (clock), left > 0 ? "auction.ends_in" : "auction.closing", {
      time: formatDuration(left),
    });
  }

  return { open, close, apply, relabel: render };
}
