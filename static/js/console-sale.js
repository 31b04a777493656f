// The cockpit's flash-sale form: sale price, quantity, per-buyer limit and
// countdown for one product of the bag; pinning it starts the sale.
import { $ } from "./dom.js";
import { formatMoney, parseMoney } from "./format.js";
import { errorText } from "./http.js";
import { setText } from "./i18n.js";
import { priceInfo } from "./pin-card.js";

// The API's field (inside `flash_sale`) -> the input it comes from.
const FIELD_INPUTS = {
  sale_price_minor: "sale-price",
  quantity: "sale-quantity",
  per_buyer_limit: "sale-limit",
  duration_seconds: "sale-seconds",
};

let product = null;
let submit = async () => null;

/**
 * Show why a sale did not start, next to the field it is about. `problem` is a
 * server error, or `{key, field}` for a check made here; null clears it. The
 * one place the form's errors are drawn, so wording them is one change.
 */
export function showSaleError(problem) {
  for (const id of Object.values(FIELD_INPUTS)) {
    $(id).removeAttribute("aria-invalid");
  }
  if (!problem) {
    delete $("sale-error").dataset.i18n;
    $("sale-error").textContent = "";
    return;
  }
  if (problem.key) {
    setText($("sale-error"), problem.key);
  } else {
    delete $("sale-error").dataset.i18n;
    $("sale-error").textContent = errorText(problem);
  }
  const field = problem.field || (problem.details && problem.details.field) || "";
  const input = $(FIELD_INPUTS[field.replace(/^flash_sale\./, "")] || "");
  if (input) {
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }
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
  if (salePrice === null) {
    showSaleError({ key: "sale.bad_price", field: "sale_price_minor" });
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
$("sale-form").addEventListener("input", (event) => {
  event.target.removeAttribute("aria-invalid"); // the creator is fixing it
});
