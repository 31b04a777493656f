// What can be bought of the pinned product right now (variants, stock left,
// the flash sale's caps), and the variant / quantity pickers that choose it.
import { el } from "./dom.js";
import { formatMoney } from "./format.js";
import { t } from "./i18n.js";

export const MAX_QUANTITY = 10; // the server's shop.max_line_quantity default

/** The variants still on sale. */
export function activeVariants(product) {
  return ((product && product.variants) || []).filter((v) => !v.archived);
}

/** Whether the pin's flash sale is running (its `ends_at`, epoch seconds, is already on this device's clock). */
export function saleRunning(pin) {
  return Boolean(pin && pin.flash_sale && pin.flash_sale.ends_at * 1000 > Date.now());
}

/** A variant's name for people: its name, else its options, else its SKU. */
export function variantLabel(variant) {
  if (variant.name) {
    return variant.name;
  }
  const options = Object.values(variant.options || {}).filter(Boolean);
  return options.length ? options.join(" / ") : variant.sku;
}

/**
 * How much of `variantId` can be bought, from the latest `stock` room message
 * (null until one arrived) and a `sold_out` one: `{left, soldOut, maxQuantity}`;
 * `left` is null while unknown. During a flash sale `left` is what remains of the
 * sale (the "N left" of docs/api.md), and buying is also capped by the variant's own stock.
 */
export function availability(offer, variantId) {
  const { pin, stock, soldOut } = offer;
  const product = pin && pin.product;
  const sale = saleRunning(pin) ? pin.flash_sale : null;
  let variantLeft = null;
  let saleLeft = null;
  if (stock && product && stock.product_id === product.id) {
    const value = (stock.variants || {})[variantId];
    variantLeft = typeof value === "number" ? value : null;
    if (sale && stock.sale && stock.sale.sale_id === `pin${pin.id}`) {
      saleLeft = stock.sale.remaining;
    }
  }
  const left = sale ? saleLeft : variantLeft;
  const allGone =
    Boolean(soldOut && product && soldOut.product_id === product.id && (soldOut.sale ? sale : !sale)) ||
    left === 0 ||
    variantLeft === 0;
  let maxQuantity = MAX_QUANTITY;
  if (sale) {
    maxQuantity = Math.min(maxQuantity, sale.per_buyer_limit || MAX_QUANTITY);
  }
  for (const known of [saleLeft, variantLeft]) {
    if (typeof known === "number" && known > 0) {
      maxQuantity = Math.min(maxQuantity, known);
    }
  }
  return { left, soldOut: allGone, maxQuantity: Math.max(1, maxQuantity) };
}

/** Whether nothing at all of the product can be bought (every variant, or the sale). */
export function productSoldOut(offer) {
  const variants = activeVariants(offer.pin && offer.pin.product);
  return variants.length > 0 && variants.every((v) => availability(offer, v.id).soldOut);
}

/** The unit price of `variant` now: the flash-sale price while the sale runs. */
export function unitPrice(pin, variant) {
  const sale = saleRunning(pin) ? pin.flash_sale : null;
  if (sale && sale.currency === variant.currency) {
    return sale.sale_price_minor;
  }
  return variant.price_minor;
}

/**
 * A variant select (only when there are several variants) and a quantity
 * select, labelled for screen readers. `onChange()` runs after a choice.
 * `update(offer)` follows new pins and stock without losing the choice.
 */
export function createBuyOptions({ idPrefix, onChange = () => {} }) {
  const variantSelect = el("select", { id: `${idPrefix}-variant`, className: "buy-variant" });
  const quantitySelect = el("select", { id: `${idPrefix}-quantity`, className: "buy-quantity" });
  const variantLabelNode = el("span", { className: "buy-label", textContent: t("buy.variant") });
  const quantityLabelNode = el("span", { className: "buy-label", textContent: t("buy.quantity") });
  const variantField = el("label", { className: "buy-field buy-field-variant" }, variantLabelNode, variantSelect);
  const quantityField = el("label", { className: "buy-field buy-field-quantity" }, quantityLabelNode, quantitySelect);
  const element = el("div", { className: "buy-options" }, variantField, quantityField);
  /** @type {{pin: any, stock: any, soldOut: any}} */
  let offer = { pin: null, stock: null, soldOut: null };
  /** @type {string | null} */
  let productId = null;

  function variants() {
    return activeVariants(offer.pin && offer.pin.product);
  }

  function drawVariants() {
    const list = variants();
    const keep = variantSelect.value;
    const prices = new Set(list.map((v) => unitPrice(offer.pin, v)));
    variantSelect.replaceChildren(
      ...list.map((variant) => {
        const gone = availability(offer, variant.id).soldOut;
        let text = variantLabel(variant);
        if (prices.size > 1) {
          text += ` · ${formatMoney(unitPrice(offer.pin, variant), variant.currency)}`;
        }
        if (gone) {
          text += ` · ${t("buy.variant_sold_out")}`;
        }
        return el("option", { value: variant.id, textContent: text }); // text, never markup
      }),
    );
    const firstOnSale = list.find((v) => !availability(offer, v.id).soldOut) || list[0];
    if (keep && list.some((v) => v.id === keep)) {
      variantSelect.value = keep;
    } else if (firstOnSale) {
      variantSelect.value = firstOnSale.id;
    }
    variantField.hidden = list.length < 2;
  }

  function drawQuantities() {
    const keep = Number(quantitySelect.value) || 1;
    const { maxQuantity } = availability(offer, variantSelect.value);
    const options = [];
    for (let n = 1; n <= maxQuantity; n += 1) {
      options.push(el("option", { value: String(n), textContent: String(n) }));
    }
    quantitySelect.replaceChildren(...options);
    quantitySelect.value = String(Math.min(keep, maxQuantity));
  }

  variantSelect.addEventListener("change", () => {
    drawQuantities();
    onChange();
  });
  quantitySelect.addEventListener("change", () => onChange());

  return {
    element,
    /** `{variant, quantity}` chosen now (variant null when there is none). */
    choice() {
      const variant = variants().find((v) => v.id === variantSelect.value) || null;
      return { variant, quantity: Number(quantitySelect.value) || 1 };
    },
    /** Pick a variant and quantity (the sheet starts from the card's choice). */
    select(variantId, quantity) {
      if (variants().some((v) => v.id === variantId)) {
        variantSelect.value = variantId;
      }
      drawQuantities();
      if (quantity) {
        const max = quantitySelect.options.length;
        quantitySelect.value = String(Math.min(quantity, max));
      }
    },
    update(next) {
      offer = next;
      const id = offer.pin && offer.pin.product ? offer.pin.product.id : null;
      if (id !== productId) {
        productId = id;
        variantSelect.value = "";
        quantitySelect.value = "1";
      }
      drawVariants();
      drawQuantities();
    },
    relabel() {
      variantLabelNode.textContent = t("buy.variant");
      quantityLabelNode.textContent = t("buy.quantity");
      drawVariants();
    },
  };
}
