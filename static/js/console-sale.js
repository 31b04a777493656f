// The cockpit's flash-sale form: sale price, quantity, per-buyer limit and
// countdown for one product of the bag; pinning it starts the sale.
import { $ } from "./dom.js";
import { bindFieldErrors, checkInputs, flashSaleFields } from "./field-errors.js";
import { formatMoney, parseMoney } from "./format.js";
import { setText } from "./i18n.js";
import { priceInfo } from "./pin-card.js";

const saleErrors = bindFieldErrors({
  form: $("sale-form"),
  fields: flashSaleFields({
    price: $("sale-price"),
    quantity: $("sale-quantity"),
    limit: $("sale-limit"),
    seconds: $("sale-seconds"),
  }),
  summary: $("sale-error"),
});

let product = null;
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
  $("sale-price").value = "";
  $("sale-price").placeholder = price ? formatMoney(price.lowest, price.currency) : "";
  $("sale-quantity").max = String(Math.max(1, stock));
  $("sale-quantity").value = String(Math.min(stock, 10) || 1);
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
  const salePrice = parseMoney($("sale-price").value, price ? price.currency : "USD");
  const problems = checkInputs(
    flashSaleFields({ quantity: $("sale-quantity"), limit: $("sale-limit"), seconds: $("sale-seconds") }),
  );
  if (salePrice === null) {
    problems.unshift({ field: "flash_sale.sale_price_minor", reason: "bad_format" });
  }
  if (problems.length) {
    showSaleError(problems);
    return;
  }
  const button = $("sale-form").querySelector("button[type=submit]");
  button.disabled = true;
  const error = await submit(product, {
    sale_price_minor: salePrice,
    quantity: Number($("sale-quantity").value),
    per_buyer_limit: Number($("sale-limit").value),
    duration_seconds: Number($("sale-seconds").value),
  });
  button.disabled = false;
  if (error) {
    showSaleError(error);
  } else {
    closeSaleForm();
  }
});
$("sale-cancel").addEventListener("click", closeSaleForm);
