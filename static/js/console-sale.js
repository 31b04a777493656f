// The cockpit's flash-sale form: sale price, quantity, per-buyer limit and
// countdown for one product of the bag; pinning it starts the sale.
import { $, find } from "./dom.js";
import { bindFieldErrors, checkInputs, flashSaleFields } from "./field-errors.js";
import { formatMoney, parseMoney } from "./format.js";
import { setText } from "./i18n.js";
import { priceInfo } from "./pin-card.js";

const saleErrors = bindFieldErrors({
  form: $("sale-form"),
  fields: flashSaleFields({
    price: $("sale-price", HTMLInputElement),
    quantity: $("sale-quantity", HTMLInputElement),
    limit: $("sale-limit", HTMLInputElement),
    seconds: $("sale-seconds", HTMLInputElement),
  }),
  summary: $("sale-error"),
});

/** @type {any} */
let product = null;
/** @type {(product: any, flashSale: Record<string, unknown>) => Promise<unknown>} */
let submit = async () => null;

/**
 * Show why a sale did not start, in words, next to the field it is about
 * ("Sale price must be below $25.00"). `problem` is a server error, or a list
 * of `{field, reason, ...}` found here; null clears it.
 */
export function showSaleError(problem) {
  if (!problem) {
    saleErrors.clear();
    return;
  }
  saleErrors.show(problem);
}

/** Open the form for `next` (a bag product). */
export function openSaleForm(next) {
  const price = priceInfo(next);
  const stock = next.variants.filter((v) => !v.archived).reduce((sum, v) => sum + v.stock, 0);
  product = next;
  showSaleError(null);
  setText($("sale-heading"), "sale.heading", { title: next.title });
  $("sale-price", HTMLInputElement).value = "";
  $("sale-price", HTMLInputElement).placeholder = price ? formatMoney(price.lowest, price.currency) : "";
  $("sale-quantity", HTMLInputElement).max = String(Math.max(1, stock));
  $("sale-quantity", HTMLInputElement).value = String(Math.min(stock, 10) || 1);
  $("sale-form").hidden = false;
  $("sale-price").focus();
}

/** Close the form (a sale started, Cancel, or the show is not live). */
export function closeSaleForm() {
  product = null;
  showSaleError(null);
  $("sale-form").hidden = true;
}

/** `onSubmit(product, flashSale)` pins with the sale; resolves null, or the error to show. */
export function setUpSaleForm(onSubmit) {
  submit = onSubmit;
}

$("sale-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!product) {
    return;
  }
  const price = priceInfo(product);
  const salePrice = parseMoney($("sale-price", HTMLInputElement).value, price ? price.currency : "USD");
  const problems = checkInputs(
    flashSaleFields({ quantity: $("sale-quantity", HTMLInputElement), limit: $("sale-limit", HTMLInputElement), seconds: $("sale-seconds", HTMLInputElement) }),
  );
  if (salePrice === null) {
    problems.unshift({ field: "flash_sale.sale_price_minor", reason: "bad_format" });
  }
  if (problems.length) {
    showSaleError(problems);
    return;
  }
  const button = find($("sale-form"), "button[type=submit]", HTMLButtonElement);
  button.disabled = true;
  const error = await submit(product, {
    sale_price_minor: salePrice,
    quantity: Number($("sale-quantity", HTMLInputElement).value),
    per_buyer_limit: Number($("sale-limit", HTMLInputElement).value),
    duration_seconds: Number($("sale-seconds", HTMLInputElement).value),
  });
  button.disabled = false;
  if (error) {
    showSaleError(error);
  } else {
    closeSaleForm();
  }
});
$("sale-cancel").addEventListener("click", closeSaleForm);
