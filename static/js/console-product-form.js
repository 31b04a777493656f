// Create or edit a product: title, description, category and tags, images and variants.
import { fillCategories, readTags, writeTags } from "./categories.js";
import { notify, showError } from "./console-notice.js";
import { navigate } from "./console-router.js";
import { $, find } from "./dom.js";
import { minorToInput, parseMoney } from "./format.js";
import { bindFieldErrors, checkInputs } from "./field-errors.js";
import { errorText, get, patch, post } from "./http.js";
import { setText, t, translate } from "./i18n.js";
import { createImageList } from "./image-upload.js";

// A variant field's input in its row, by the API's name for it.
/** @type {Record<string, string>} */
const VARIANT_INPUTS = {
  id: ".v-sku",
  sku: ".v-sku",
  name: ".v-name",
  options: ".v-options",
  price_minor: ".v-price",
  currency: ".v-currency",
  stock: ".v-stock",
};
/**
 * The variant form's row `index`, or null.
 * @param {number} index
 * @returns {HTMLElement | null}
 */
const variantRow = (index) => /** @type {HTMLElement | undefined} */ ($("variant-list").children[index]) || null;

/** @returns {HTMLElement[]} the variant form's rows */
const variantRows = () => /** @type {HTMLElement[]} */ ([...$("variant-list").children]);
const fieldErrors = bindFieldErrors({
  form: $("product-form"),
  fields: {
    title: $("product-title"),
    description: $("product-description"),
    image_ids: $("product-image-input"),
    category: $("product-category"),
    tags: $("product-tags"),
  },
  rows: {
    variants: {
      input: (index, name) => {
        const row = variantRow(index);
        return row ? find(row, VARIANT_INPUTS[name || "sku"] || ".v-sku", HTMLInputElement) : null;
      },
      // "Variant 2 (TEE-M)": the number people see and the SKU they typed.
      name: (index) => {
        const row = variantRow(index);
        const sku = row ? find(row, ".v-sku", HTMLInputElement).value.trim() : "";
        return sku ? t("row.variant_named", { n: index + 1, sku }) : t("row.variants", { n: index + 1 });
      },
    },
  },
  summary: $("product-error"),
});

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
  const row = /** @type {HTMLElement} */ ($("variant-row", HTMLTemplateElement).content.firstElementChild?.cloneNode(true));
  translate(row);
  if (variant) {
    row.dataset.id = variant.id;
    find(row, ".v-sku", HTMLInputElement).value = variant.sku;
    find(row, ".v-name", HTMLInputElement).value = variant.name || "";
    find(row, ".v-options", HTMLInputElement).value = formatOptions(variant.options);
    find(row, ".v-price", HTMLInputElement).value = minorToInput(variant.price_minor, variant.currency);
    find(row, ".v-currency", HTMLInputElement).value = variant.currency;
    find(row, ".v-stock", HTMLInputElement).value = String(variant.stock);
  }
  find(row, ".v-remove", HTMLButtonElement).addEventListener("click", () => {
    if ($("variant-list").children.length > 1) {
      row.remove(); // a saved variant left out of the list is archived by the server
    }
  });
  $("variant-list").append(row);
}

/** The inputs the browser can check before sending, by API path. */
function checkedInputs() {
  /** @type {Record<string, import("./field-errors.js").Control>} */
  const inputs = { title: $("product-title", HTMLInputElement), description: $("product-description", HTMLTextAreaElement) };
  variantRows().forEach((row, index) => {
    for (const name of ["sku", "name", "currency", "stock"]) {
      inputs[`variants[${index}].${name}`] = find(row, VARIANT_INPUTS[name], HTMLInputElement);
    }
  });
  return inputs;
}

/** Prices that are not amounts ("19,99.5"), as field errors. */
function priceProblems() {
  return variantRows().flatMap((row, index) => {
    const currency = find(row, ".v-currency", HTMLInputElement).value.trim().toUpperCase();
    const input = find(row, ".v-price", HTMLInputElement);
    if (parseMoney(input.value, currency) !== null) {
      return [];
    }
    const reason = input.value.trim() ? "bad_format" : "required";
    return [{ field: `variants[${index}].price_minor`, reason }];
  });
}

/** The variants as the API wants them (prices checked first by `priceProblems`). */
function readVariants() {
  return variantRows().map((row) => {
    const currency = find(row, ".v-currency", HTMLInputElement).value.trim().toUpperCase();
    const price = parseMoney(find(row, ".v-price", HTMLInputElement).value, currency);
    const variant = {
      sku: find(row, ".v-sku", HTMLInputElement).value.trim(),
      name: find(row, ".v-name", HTMLInputElement).value.trim(),
      options: parseOptions(find(row, ".v-options", HTMLInputElement).value),
      price_minor: price,
      currency,
      stock: Number(find(row, ".v-stock", HTMLInputElement).value),
    };
    if (row.dataset.id) {
      variant.id = row.dataset.id;
    }
    return variant;
  });
}

async function enter(productId) {
  editing = null;
  $("product-form", HTMLFormElement).reset();
  fieldErrors.clear();
  $("variant-list").replaceChildren();
  showError($("product-error"), "");
  imageList.set([]);
  $("product-archive").hidden = true;
  fillCategories($("product-category", HTMLSelectElement));
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
  $("product-title", HTMLInputElement).value = editing.title;
  $("product-description", HTMLTextAreaElement).value = editing.description || "";
  fillCategories($("product-category", HTMLSelectElement), editing.category);
  writeTags($("product-tags", HTMLInputElement), editing.tags);
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
  const problems = [...checkInputs(checkedInputs()), ...priceProblems()];
  if (problems.length) {
    fieldErrors.show(problems);
    return;
  }
  fieldErrors.clear();
  const body = {
    title: $("product-title", HTMLInputElement).value.trim(),
    description: $("product-description", HTMLTextAreaElement).value.trim(),
    image_ids: imageList.images().map((image) => image.id),
    variants: readVariants(),
    category: $("product-category", HTMLSelectElement).value,
    tags: readTags($("product-tags", HTMLInputElement)),
  };
  $("product-save", HTMLButtonElement).disabled = true;
  try {
    if (editing) {
      await patch(`/api/products/${encodeURIComponent(editing.id)}`, body);
    } else {
      await post("/api/products", body);
    }
    notify("common.saved");
    navigate("/console/products");
  } catch (error) {
    fieldErrors.show(error);
  } finally {
    $("product-save", HTMLButtonElement).disabled = false;
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
