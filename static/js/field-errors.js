// Errors in words people know. The server's `validation_failed` says which
// field (`details.field`, an API path such as "variants[1].price_minor"), why
// (`details.reason`) and the numbers that matter; this module words that in
// the page's language ("Sale price must be below $25.00"), shows it under the
// input it concerns, and takes it away as soon as the person edits the input.
import { el } from "./dom.js";
import { formatDateTime, formatMoney } from "./format.js";
import { has, locale, onLanguageChange, t } from "./i18n.js";

/** The API paths of the flash-sale form, in the form's order (for `flashSaleFields`). */
export const FLASH_SALE_FIELDS = [
  "flash_sale.sale_price_minor",
  "flash_sale.quantity",
  "flash_sale.per_buyer_limit",
  "flash_sale.duration_seconds",
];

/** @typedef {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} Control a form control the browser validates */

/**
 * The flash-sale form's field map from its four inputs: `{price, quantity, limit, seconds}`.
 * @param {{price?: Control, quantity?: Control, limit?: Control, seconds?: Control}} inputs
 * @returns {Record<string, Control>}
 */
export function flashSaleFields({ price, quantity, limit, seconds }) {
  const inputs = [price, quantity, limit, seconds];
  return Object.fromEntries(FLASH_SALE_FIELDS.map((path, i) => [path, inputs[i]]).filter(([, input]) => input));
}

/**
 * Split an API path: "variants[2].price_minor" -> {key: "variants.price_minor",
 * list: "variants", index: 2, name: "price_minor"}; "address.city" -> {key: "address.city"}.
 */
export function parseField(field) {
  const path = String(field || "");
  const row = /^(\w+)\[(\d+)\](?:\.(\w+))?$/.exec(path);
  if (row) {
    const [, list, index, name] = row;
    return { key: name ? `${list}.${name}` : list, list, index: Number(index), name: name || null };
  }
  return { key: path, list: null, index: null, name: null };
}

/** What people call the field at `field` ("Sale price", "售价"), or a neutral "This field". */
export function fieldLabel(field) {
  const { key } = parseField(field);
  return key && has(`field.${key}`) ? t(`field.${key}`) : t("field.generic");
}

/** "Variant 2": the default name of row `index` of `list` (numbered from 1 for people). */
function defaultRowName(list, index) {
  return has(`row.${list}`) ? t(`row.${list}`, { n: index + 1 }) : t("row.generic", { n: index + 1 });
}

const numbers = (value) => new Intl.NumberFormat(locale()).format(value);

/** The `{min}`, `{max}`, `{limit}` ... of a reason's words, formatted for the page. */
function wordParams(details, rowName) {
  const params = { field: details.label || fieldLabel(details.field) };
  const money = (minor) => formatMoney(minor, details.currency);
  for (const name of ["min", "max"]) {
    if (typeof details[`${name}_minor`] === "number" && details.currency) {
      params[name] = money(details[`${name}_minor`]);
    } else if (typeof details[name] === "number") {
      params[name] = numbers(details[name]);
    }
    if (typeof details[`${name}_at`] === "number") {
      params[name] = formatDateTime(details[`${name}_at`]);
    }
  }
  if (typeof details.limit_minor === "number" && details.currency) {
    params.limit = money(details.limit_minor);
  }
  if (details.currency) {
    params.currency = details.currency;
  }
  if (typeof details.same_as === "string") {
    const other = parseField(details.same_as);
    params.other = other.index === null ? fieldLabel(details.same_as) : rowName(other.list, other.index);
  }
  return params;
}

/**
 * The words for a field error from its details: a field's own words for the
 * reason ("fielderror.email.bad_format") first, then the reason's general
 * words with the field's label, prefixed with the row it is in ("Variant 2
 * (TEE-M): Price must be at least $0.01"). `rowName(list, index)` names rows;
 * `details.label` may replace the field's label.
 */
export function fieldMessage(details, { rowName = defaultRowName } = {}) {
  const { key, list, index } = parseField(details.field);
  const reason = details.reason || "invalid";
  const params = wordParams(details, rowName);
  let message;
  if (has(`fielderror.${key}.${reason}`)) {
    message = t(`fielderror.${key}.${reason}`, params);
  } else if (has(`reason.${reason}`)) {
    message = t(`reason.${reason}`, params);
  } else {
    message = t("reason.invalid", params);
  }
  return list === null ? message : t("fielderror.in_row", { row: rowName(list, index), message });
}

/**
 * The text for any failed request: a worded field error, the translation of
 * its code, or (for an error without a code, thrown by the page itself) its message.
 */
export function errorWords(error, options) {
  const code = error && error.code;
  const details = (error && error.details) || {};
  if (code === "validation_failed" && details.reason) {
    return fieldMessage(details, options);
  }
  if (code && has(`error.${code}`)) {
    return t(`error.${code}`);
  }
  if (code && /^http_\d+$/.test(code)) {
    return t("error.http", { status: code.slice(5) });
  }
  if (code) {
    return t("error.unknown");
  }
  return (error && error.message) || t("error.unknown");
}

// Marks on screen, re-worded when the language changes.
const marks = new Map(); // input -> {node, words()}
onLanguageChange(() => {
  for (const [input, mark] of marks) {
    if (input.isConnected) {
      mark.node.textContent = mark.words();
    } else {
      marks.delete(input);
    }
  }
});

let nextId = 1;

/** The message element right under `input`, made once and linked by aria-describedby. */
function messageNode(input) {
  // Found by id, or beside the input in a form that is not on the page yet.
  const existing =
    input.id &&
    (document.getElementById(`${input.id}-error`) ||
      (input.parentElement && input.parentElement.querySelector(`#${CSS.escape(input.id)}-error`)));
  if (existing) {
    return existing;
  }
  if (!input.id) {
    input.id = `field-${nextId++}`;
  }
  const node = el("small", { className: "field-error", id: `${input.id}-error`, attrs: { "aria-live": "polite" } });
  // A row of inputs side by side ([data-field-messages]) keeps its messages below
  // the row, so the inputs stay aligned; elsewhere the message goes right under
  // the input (under its ".inline" line when it shares one with a button).
  const holder = input.closest("[data-field-messages]");
  if (holder) {
    holder.append(node);
  } else {
    const parent = input.parentElement;
    (parent && parent.classList.contains("inline") ? parent : input).insertAdjacentElement("afterend", node);
  }
  return node;
}

function describedBy(input, id, on) {
  const ids = new Set((input.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean));
  if (on) {
    ids.add(id);
  } else {
    ids.delete(id);
  }
  if (ids.size) {
    input.setAttribute("aria-describedby", [...ids].join(" "));
  } else {
    input.removeAttribute("aria-describedby");
  }
}

/** Take the mark off `input` (its message too). */
export function clearMark(input) {
  const mark = marks.get(input);
  input.removeAttribute("aria-invalid");
  if (mark) {
    input.removeEventListener("input", mark.cleared);
    input.removeEventListener("change", mark.cleared);
    mark.node.textContent = "";
    describedBy(input, mark.node.id, false);
    marks.delete(input);
  }
}

/** Mark `input` invalid with the text `words()` under it; editing it takes the mark away. */
export function markInput(input, words, onCleared) {
  clearMark(input);
  const node = messageNode(input);
  input.setAttribute("aria-invalid", "true");
  describedBy(input, node.id, true);
  node.textContent = words();
  const cleared = () => {
    clearMark(input);
    if (onCleared) {
      onCleared(input);
    }
  };
  marks.set(input, { node, words, cleared });
  input.addEventListener("input", cleared);
  input.addEventListener("change", cleared);
}

/**
 * The page's own check of `inputs` ({path: input}) before sending, in the same
 * words as the server's: a list of details ({field, reason, min, max}) for the
 * inputs the browser finds invalid (the form has `novalidate`, so no bubble in
 * the browser's language appears).
 * @param {Record<string, Control | null | undefined>} inputs
 * @returns {Record<string, any>[]}
 */
export function checkInputs(inputs) {
  const problems = [];
  for (const [field, control] of Object.entries(inputs)) {
    // Length and range problems arise only on inputs and textareas, which have these properties.
    const input = /** @type {HTMLInputElement | null | undefined} */ (control);
    const v = input && input.validity;
    if (!v || v.valid) {
      continue;
    }
    if (v.valueMissing) {
      problems.push({ field, reason: "required" });
    } else if (v.tooShort) {
      problems.push({ field, reason: "too_short", min: input.minLength });
    } else if (v.tooLong) {
      problems.push({ field, reason: "too_long", max: input.maxLength });
    } else if (v.rangeUnderflow) {
      problems.push({ field, reason: "too_small", min: Number(input.min) });
    } else if (v.rangeOverflow) {
      problems.push({ field, reason: "too_large", max: Number(input.max) });
    } else {
      problems.push({ field, reason: "bad_format" });
    }
  }
  return problems;
}

/**
 * Field errors for one form. `fields` maps API paths to inputs ({"title":
 * input}); `rows` maps a list's name to `{input(index, name), name(index)}`
 * for indexed rows ("variants[2].price_minor" -> that row's price input, and
 * "Variant 3 (TEE-L)"); `summary` shows what no input takes, until the person
 * edits `form`. Returns `show(errorOrDetailsList)` (true when an input took
 * it), `clear()`, `inputFor(path)` and `rowName(list, index)`.
 * @param {{
 *   form?: HTMLElement | null,
 *   fields?: Record<string, HTMLElement>,
 *   rows?: Record<string, {input: (index: number, name: string | null) => HTMLElement | null, name?: (index: number) => string}>,
 *   summary?: HTMLElement | null,
 * }} [options]
 */
export function bindFieldErrors({ form = null, fields = {}, rows = {}, summary = null } = {}) {
  /** @type {Set<HTMLElement>} */
  const marked = new Set();
  /** @type {(() => string) | null} */
  let summaryWords = null;

  function inputFor(field) {
    if (fields[field]) {
      return fields[field];
    }
    const { list, index, name } = parseField(field);
    const row = list !== null && rows[list];
    return (row && row.input(index, name)) || null;
  }

  function rowName(list, index) {
    const row = rows[list];
    return (row && row.name && row.name(index)) || defaultRowName(list, index);
  }

  function setSummary(words) {
    summaryWords = words;
    if (summary) {
      delete summary.dataset.i18n;
      summary.textContent = words ? words() : "";
    }
  }

  function cleared(input) {
    marked.delete(input);
    if (!marked.size) {
      setSummary(null);
    }
  }

  function clear() {
    for (const input of marked) {
      clearMark(input);
    }
    marked.clear();
    setSummary(null);
  }

  if (form) {
    // A general error ("Wrong email or password") is stale once the person changes the form.
    form.addEventListener("input", () => setSummary(null));
  }

  onLanguageChange(() => {
    if (summary && summaryWords && summary.isConnected) {
      summary.textContent = summaryWords();
    }
  });

  /**
   * Show a failed request's error (or a list of details from `checkInputs`):
   * each on its input, the first focused; returns whether an input took one.
   */
  function show(failure) {
    clear();
    const list = Array.isArray(failure) ? failure.map((details) => ({ code: "validation_failed", details })) : [failure];
    /** @type {HTMLElement | null} */
    let first = null;
    for (const error of list) {
      const details = (error && error.details) || {};
      const input = details.field ? inputFor(details.field) : null;
      const words = () =>
        error.code === "validation_failed" && details.reason
          ? fieldMessage(details, { rowName })
          : errorWords(error);
      if (!input) {
        setSummary(words);
        continue;
      }
      markInput(input, words, cleared);
      marked.add(input);
      first = first || input;
    }
    if (first) {
      first.focus();
    }
    return Boolean(first);
  }

  return { show, clear, inputFor, rowName };
}
