// The creator's products: a list with price, stock and archive/unarchive.
import { showError } from "./console-notice.js";
import { $, el } from "./dom.js";
import { formatMoney } from "./format.js";
import { errorText, get, post } from "./http.js";
import { t } from "./i18n.js";
import { priceInfo } from "./pin-card.js";

let products = [];

function row(product) {
  const price = priceInfo(product);
  const stock = (product.variants || []).filter((v) => !v.archived).reduce((sum, v) => sum + v.stock, 0);
  const image = product.images && product.images[0];
  const archived = product.status === "archived";
  const toggle = el("button", {
    type: "button",
    className: "secondary small",
    textContent: t(archived ? "products.unarchive" : "products.archive"),
  });
  toggle.addEventListener("click", async () => {
    toggle.disabled = true;
    try {
      await post(`/api/products/${encodeURIComponent(product.id)}/${archived ? "unarchive" : "archive"}`);
      await load();
    } catch (error) {
      showError($("products-empty"), errorText(error));
      $("products-empty").hidden = false;
      toggle.disabled = false;
    }
  });
  return el(
    "li",
    { className: "row", dataset: { id: product.id, status: product.status } },
    image ? el("img", { className: "thumb", src: image.url, alt: "" }) : el("span", { className: "thumb" }),
    el(
      "a",
      { className: "row-main", href: `/console/products/${encodeURIComponent(product.id)}`, dataset: { nav: "" } },
      el("strong", { textContent: product.title }),
      el(
        "span",
        { className: "muted" },
        price ? formatMoney(price.lowest, price.currency) : "",
        " · ",
        t("products.in_stock", { n: stock }),
        archived ? ` · ${t("products.archived")}` : "",
      ),
    ),
    toggle,
  );
}

function draw() {
  $("product-list").replaceChildren(...products.map(row));
  $("products-empty").hidden = products.length > 0;
}

async function load() {
  const status = $("product-filter", HTMLSelectElement).value;
  try {
    const body = await get(`/api/products?status=${encodeURIComponent(status)}`);
    products = body.products || [];
    draw();
  } catch (error) {
    products = [];
    draw();
    showError($("products-empty"), errorText(error));
  }
}

$("product-filter").addEventListener("change", load);

export const productsView = {
  section: "view-products",
  enter: load,
  relabel: draw,
};
