// Create a show: title, scheduled start, category and tags, cover and the ordered bag of products.
import { createBagPicker } from "./bag-picker.js";
import { fillCategories, readTags } from "./categories.js";
import { showError } from "./console-notice.js";
import { navigate } from "./console-router.js";
import { $, find } from "./dom.js";
import { bindFieldErrors, checkInputs } from "./field-errors.js";
import { errorText, get, post } from "./http.js";
import { createImageList } from "./image-upload.js";
import { rememberKey } from "./stream-keys.js";

let picker = null;
const fieldErrors = bindFieldErrors({
  form: $("show-form"),
  fields: {
    title: $("show-title"),
    scheduled_at: $("show-scheduled"),
    cover_image_id: $("show-cover-input"),
    category: $("show-category"),
    tags: $("show-tags"),
  },
  summary: $("show-error"),
});
const cover = createImageList({
  list: $("show-cover"),
  input: $("show-cover-input"),
  single: true,
  onError: (text) => showError($("show-error"), text),
});

async function enter() {
  $("show-form", HTMLFormElement).reset();
  cover.set([]);
  fillCategories($("show-category", HTMLSelectElement));
  fieldErrors.clear();
  let products = [];
  try {
    products = (await get("/api/products?status=active")).products || [];
  } catch (error) {
    showError($("show-error"), errorText(error));
  }
  picker = createBagPicker($("bag-picker"), products);
  $("show-title").focus();
}

$("show-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const problems = checkInputs({ title: $("show-title", HTMLInputElement), scheduled_at: $("show-scheduled", HTMLInputElement) });
  if (problems.length) {
    fieldErrors.show(problems);
    return;
  }
  fieldErrors.clear();
  const scheduled = $("show-scheduled", HTMLInputElement).value;
  const [image] = cover.images();
  const body = {
    title: $("show-title", HTMLInputElement).value.trim(),
    // datetime-local is the creator's local time; the API takes epoch seconds.
    scheduled_at: scheduled ? Math.round(new Date(scheduled).getTime() / 1000) : null,
    cover_image_id: image ? image.id : null,
    product_ids: picker ? picker.selected() : [],
    category: $("show-category", HTMLSelectElement).value,
    tags: readTags($("show-tags", HTMLInputElement)),
  };
  const button = find($("show-form"), "button[type=submit]", HTMLButtonElement);
  button.disabled = true;
  try {
    const result = await post("/api/shows", body);
    rememberKey(result.show.id, result.stream_key);
    navigate(`/console/shows/${encodeURIComponent(result.show.id)}`);
  } catch (error) {
    fieldErrors.show(error);
  } finally {
    button.disabled = false;
  }
});

export const showFormView = { section: "view-show-new", enter, relabel: () => picker && picker.redraw() };
