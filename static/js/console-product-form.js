// Create or edit a product: title, description, images and variants.
import { notify, showError } from "./console-notice.js";
import { navigate } from "./console-router.js";
import { $ } from "./dom.js";
import { minorToInput, parseMoney } from "./format.js";
import { errorText, get, patch, post } from "./http.js";
import { setText, t, translate } from "./i18n.js";
import { createImageList } from "./image-upload.js";

let editing = null; // the product being edited, or null for a new one
const imageList = createImageList({
  list: $("product-images"),
  input: $("product-image-input"),
  onError: (text) => showError($("product-error"), text),
});

/** "size=M, colour=red" -> {size: "M", colour: "red"}. */
function parseOptions(text) {
  const options = {};
  for (const part of text.split(",")) {
    const [key, ...rest] = part.split("=");
    if (key.trim() && rest.length) {
      options[key.trim()] = rest.join("=").trim();
    }
  }
  return options;
}

function formatOptions(options) {
  return Object.entries(options || {})
    .map(([key, value]) => `${key}=${value}`)
    .join(", ");
}

function addVariant(variant) {
  const row = $("variant-row").content.firstElementChild.cloneNode(true);
  translate(row);
  if (variant) {
    row.dataset.id = variant.id;
    row.querySelector(".v-sku").value = variant.sku;
    row.querySelector(".v-name").value = variant.name || "";
    row.querySelector(".v-options").value = formatOptions(variant.options);
    row.querySelector(".v-price").value = minorToInput(variant.price_minor, variant.currency);
    row.querySelector(".v-currency").value = variant.currency;
    row.querySelector(".v-stock").value = String(variant.stock);
  }
  row.querySelector(".v-remove").addEventListener("click", () => {
    if ($("variant-list").children.length > 1) {
      row.remove(); // a saved variant left out of the list is archived by the server
    }
  });
  $("variant-list").append(row);
}

/** The variants as the API wants them, or throws with the field to fix. */
function readVariants() {
  return [...$("variant-list").children].map((row, index) => {
    const currency = row.querySelector(".v-currency").value.trim().toUpperCase();
    const price = parseMoney(row.querySelector(".v-price").value, currency);
    if (price === null) {
      row.querySelector(".v-price").focus();
      throw new Error(t("products.bad_price", { n: index + 1 }));
    }
    const variant = {
      sku: row.querySelector(".v-sku").value.trim(),
      name: row.querySelector(".v-name").value.trim(),
      options: parseOptions(row.querySelector(".v-options").value),
      price_minor: price,
      currency,
      stock: Number(row.querySelector(".v-stock").value),
    };
    if (row.dataset.id) {
      variant.id = row.dataset.id;
    }
    return variant;
  });
}

async function enter(productId) {
  editing = null;
  $("product-form").reset();
  $("variant-list").replaceChildren();
  showError($("product-error"), "");
  imageList.set([]);
  $("product-archive").hidden = true;
  if (!productId || productId === "new") {
    setText($("product-heading"), "products.new");
    addVariant(null);
    $("product-title").focus();
    return;
  }
  setText($("product-heading"), "products.edit");
  try {
    const body = await get(`/api/products/${encodeURIComponent(productId)}`);
    editing = body.product;
  } catch (error) {
    showError($("product-error"), errorText(error));
    return;
  }
  $("product-title").value = editing.title;
  $("product-description").value = editing.description || "";
  imageList.set(editing.images);
  for (const variant of editing.variants.filter((v) => !v.archived)) {
    addVariant(variant);
  }
  if (!$("variant-list").children.length) {
    addVariant(null);
  }
  $("product-archive").hidden = false;
  setText($("product-archive"), editing.status === "archived" ? "products.unarchive" : "products.archive");
}

$("add-variant").addEventListener("click", () => addVariant(null));

$("product-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  showError($("product-error"), "");
  let body;
  try {
    body = {
      title: $("product-title").value.trim(),
      description: $("product-description").value.trim(),
      image_ids: imageList.images().map((image) => image.id),
      variants: readVariants(),
    };
  } catch (error) {
    showError($("product-error"), error.message);
    return;
  }
  $("product-save").disabled = true;
  try {
    if (editing) {
      await patch(`/api/products/${encodeURIComponent(editing.id)}`, body);
    } else {
      await post("/api/products", body);
    }
    notify("common.saved");
    navigate("/console/products");
  } catch (error) {
    showError($("product-error"), errorText(error));
  } finally {
    $("product-save").disabled = false;
  }
});

$("product-archive").addEventListener("click", async () => {
  if (!editing) {
    return;
  }
  const action = editing.status === "archived" ? "unarchive" : "archive";
  try {
    await post(`/api/products/${encodeURIComponent(editing.id)}/${action}`);
    notify("common.saved");
    navigate("/console/products");
  } catch (error) {
    showError($("product-error"), errorText(error));
  }
});

export const productFormView = { section: "view-product", enter };
