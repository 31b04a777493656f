// Categories and tags of products and shows: the fixed category list (translated
// through `category.<name>.name`), the console's select and tags input, and the chip
// a card shows. Categories mirror livesale/domain/categories.py.
import { el } from "./dom.js";
import { setText } from "./i18n.js";

/** Every category, in the order the select lists them ("other" last, the default). */
export const CATEGORIES = ["fashion", "beauty", "home", "electronics", "collectibles", "food", "kids", "sports", "other"];
export const DEFAULT_CATEGORY = "other";

/**
 * Fill `select` with the categories (their names follow the page's language) and pick `chosen`.
 * @param {HTMLSelectElement} select
 * @param {string} [chosen]
 */
export function fillCategories(select, chosen = DEFAULT_CATEGORY) {
  select.replaceChildren(
    ...CATEGORIES.map((name) => {
      const option = el("option", { value: name });
      setText(option, `category.${name}.name`);
      return option;
    }),
  );
  select.value = CATEGORIES.includes(chosen) ? chosen : DEFAULT_CATEGORY;
}

/**
 * The tags typed in `input`: split at commas (Latin or Chinese), trimmed, empty ones dropped.
 * The server normalises them (case, width, invisible characters) and says which one it refuses.
 * @param {HTMLInputElement} input
 * @returns {string[]}
 */
export function readTags(input) {
  return input.value
    .split(/[,，、]/)
    .map((tag) => tag.trim())
    .filter(Boolean);
}

/**
 * Put `tags` in `input`, one comma between them.
 * @param {HTMLInputElement} input
 * @param {string[]} [tags]
 */
export function writeTags(input, tags = []) {
  input.value = tags.join(", ");
}

/**
 * A card's category chip ("Beauty", "美妆"); null for the default category, which says nothing.
 * @param {string | undefined} category
 * @returns {HTMLElement | null}
 */
export function categoryChip(category) {
  if (!category || category === DEFAULT_CATEGORY || !CATEGORIES.includes(category)) {
    return null;
  }
  const chip = el("span", { className: "category-chip", dataset: { category } });
  setText(chip, `category.${category}.name`);
  return chip;
}
