// The checkout sheet's first step on a phone: the product with its price and
// what is left, the variant and quantity pickers, and Buy now (the card and
// the bag's rows over the video have no room for the pickers).
import { availability, createBuyOptions, saleRunning, unitPrice } from "./buy-options.js";
import { el } from "./dom.js";
import { formatMoney } from "./format.js";
import { setText, t } from "./i18n.js";
import { buyLabelKey, productLeft } from "./offer-view.js";

/** The step's parts; `onBuy({variantId, quantity})` runs on its Buy now. */
export function createChooseStep({ onBuy }) {
  const summary = el("div", { className: "choose-summary" });
  const options = createBuyOptions({ idPrefix: "sheet", onChange: () => draw() });
  const buy = el("button", { type: "button", className: "primary wide buy", id: "sheet-buy" });
  let offer = null;
  let busy = false;

  buy.addEventListener("click", () => {
    const picked = options.choice();
    if (picked.variant) {
      onBuy({ variantId: picked.variant.id, quantity: picked.quantity });
    }
  });

  function draw() {
    if (!offer || !offer.pin) {
      return;
    }
    const picked = options.choice();
    const product = offer.pin.product;
    const image = product.images && product.images[0];
    const price = picked.variant ? formatMoney(unitPrice(offer.pin, picked.variant), picked.variant.currency) : "";
    const left = productLeft(offer);
    const sale = saleRunning(offer.pin) ? offer.pin.flash_sale : null;
    const parts = [
      image ? el("img", { className: "pin-image", src: image.url, alt: "" }) : null,
      el(
        "div",
        {},
        el("p", { className: "choose-price", textContent: price }),
        sale ? el("span", { className: "pin-flag", textContent: t("card.flash_sale") }) : null,
        sale ? el("p", { className: "pin-limit", textContent: t("card.limit", { n: sale.per_buyer_limit }) }) : null,
        typeof left === "number" ? el("p", { className: "pin-left", textContent: t("card.left", { count: left }) }) : null,
      ),
    ];
    summary.replaceChildren(...parts.filter((part) => part !== null));
    const unavailable = !picked.variant || availability(offer, picked.variant.id).soldOut;
    buy.disabled = unavailable || busy;
    setText(buy, buyLabelKey({ busy, unavailable, resuming: false }));
  }

  return {
    nodes: [summary, options.element, buy],
    /**
     * Start from `offer` with the card's or the row's choice; `isBusy` while a Buy is on its way.
     * @param {any} next
     * @param {{variantId: string, quantity: number}} choice
     * @param {boolean} [isBusy]
     */
    begin(next, choice, isBusy = false) {
      offer = next;
      busy = isBusy; // what the sheet's state says now, not what it said when the step was last shown
      options.update(offer);
      options.select(choice.variantId, choice.quantity);
      draw();
    },
    /** The offer moved (stock, a new pin) or a Buy is on its way. */
    update(next, isBusy) {
      offer = next;
      busy = isBusy;
      options.update(offer);
      draw();
    },
    relabel() {
      options.relabel();
      draw();
    },
  };
}
