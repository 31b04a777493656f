// Interface language: English, Simplified Chinese, Spanish or Arabic, chosen from
// the browser and switchable; the choice is remembered in localStorage.
import { MESSAGES } from "./i18n-messages.js";

const STORAGE_KEY = "livesale:lang";
// The cookie the server reads to set `<html lang dir>` (livesale/web/language.py).
const COOKIE = "livesale_lang";
const COOKIE_MAX_AGE = 365 * 24 * 3600;
export const LANGUAGES = ["en", "zh-CN", "es", "ar"];
// Each language's name in itself, for the switch.
const NAMES = { en: "English", "zh-CN": "中文", es: "Español", ar: "العربية" };
/** @type {Set<(language: string) => void>} */
const listeners = new Set();

/**
 * @param {string | null} value
 * @returns {value is string}
 */
const isLanguage = (value) => value !== null && LANGUAGES.includes(value);

function stored() {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch (_storageDisabled) {
    return null;
  }
}

/** The language we speak for a BCP 47 tag ("es-MX" -> "es", any zh* -> "zh-CN"), or null. */
export function languageOf(tag) {
  const primary = String(tag).toLowerCase().split(/[-_]/)[0];
  if (primary === "zh") {
    return "zh-CN";
  }
  return ["en", "es", "ar"].includes(primary) ? primary : null;
}

/** The first browser language we speak. */
function fromBrowser() {
  const preferred = navigator.languages && navigator.languages.length
    ? navigator.languages
    : [navigator.language || "en"];
  for (const tag of preferred) {
    const spoken = languageOf(tag);
    if (spoken) {
      return spoken;
    }
  }
  return "en";
}

/** The language remembered in the cookie (when localStorage is off or was cleared). */
function fromCookie() {
  const match = document.cookie.match(new RegExp(`(?:^|;\\s*)${COOKIE}=([^;]*)`));
  return match ? decodeURIComponent(match[1]) : null;
}

const saved = stored();
const cookie = fromCookie();
let current = isLanguage(saved) ? saved : isLanguage(cookie) ? cookie : fromBrowser();
if (isLanguage(saved) && saved !== cookie) {
  remember(saved); // chosen before the cookie existed: let the server know too
}

/** The interface language: "en", "zh-CN", "es" or "ar". */
export function language() {
  return current;
}

/** The writing direction of the interface language. */
export function direction() {
  return current === "ar" ? "rtl" : "ltr";
}

/**
 * The locale for dates and numbers: the browser's own variant of the
 * interface language (en-GB, es-MX, ar-EG) when it lists one, else the
 * language itself ("ar" keeps the browser's default digits for Arabic).
 */
export function locale() {
  if (current === "zh-CN") {
    return "zh-CN";
  }
  const variant = (navigator.languages || []).find((tag) => languageOf(tag) === current);
  return variant || current;
}

/** A count in the reader's locale, compact for big numbers (12.3K, 1.2万). */
export function formatCount(n) {
  return new Intl.NumberFormat(locale(), { notation: n >= 10000 ? "compact" : "standard" }).format(
    n,
  );
}

/** Whether `key` has plural forms ("key.one", "key.other", ...) rather than one text. */
function isPlural(key) {
  return Object.hasOwn(MESSAGES.en, `${key}.other`);
}

/**
 * The text of `key` in `table`: for a plural key the form `Intl.PluralRules`
 * picks for `count` in `tableLocale`, else its "other" form.
 */
function lookUp(table, tableLocale, key, count) {
  if (count === undefined) {
    return table[key];
  }
  const form = new Intl.PluralRules(tableLocale).select(count);
  return table[`${key}.${form}`] ?? table[`${key}.other`];
}

/**
 * The text for `key` in the current language, with `{name}` placeholders
 * filled. A plural key picks its form by the number `params.count`, which is
 * shown in the reader's locale.
 */
export function t(key, params = {}) {
  const count = isPlural(key) && typeof params.count === "number" ? params.count : undefined;
  const table = MESSAGES[current] || MESSAGES.en;
  const text = lookUp(table, locale(), key, count) ?? lookUp(MESSAGES.en, "en", key, count);
  if (text === undefined) {
    console.warn(`i18n: no text for ${key}`);
    return key;
  }
  const values = count === undefined ? params : { ...params, count: formatCount(count) };
  return text.replace(/\{(\w+)\}/g, (_match, name) =>
    values[name] === undefined ? `{${name}}` : String(values[name]),
  );
}

/** Whether a translation exists for `key` (a plain text or plural forms). */
export function has(key) {
  return Object.hasOwn(MESSAGES.en, key) || isPlural(key);
}

/**
 * Set an element's text from a key, and remember the key so a language switch
 * re-translates it. `params` values are inserted as text, never markup.
 */
export function setText(element, key, params) {
  element.dataset.i18n = key;
  if (params && Object.keys(params).length) {
    element.dataset.i18nArgs = JSON.stringify(params);
  } else {
    delete element.dataset.i18nArgs;
  }
  element.textContent = t(key, params);
}

/**
 * Translate `root`: `data-i18n` sets the text, `data-i18n-attr="attr:key;..."`
 * sets attributes (placeholder, aria-label, title).
 * @param {ParentNode} [root]
 */
export function translate(root = document) {
  for (const element of /** @type {NodeListOf<HTMLElement>} */ (root.querySelectorAll("[data-i18n]"))) {
    let params;
    try {
      params = element.dataset.i18nArgs ? JSON.parse(element.dataset.i18nArgs) : undefined;
    } catch (_bad) {
      params = undefined;
    }
    element.textContent = t(element.dataset.i18n || "", params);
  }
  for (const element of /** @type {NodeListOf<HTMLElement>} */ (root.querySelectorAll("[data-i18n-attr]"))) {
    for (const pair of (element.dataset.i18nAttr || "").split(";")) {
      const [attribute, key] = pair.split(":").map((part) => part.trim());
      if (attribute && key) {
        element.setAttribute(attribute, t(key));
      }
    }
  }
  document.documentElement.lang = current;
  document.documentElement.dir = direction();
}

/** Call `listener(language)` after every language switch (to re-render formatted text). */
export function onLanguageChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Remember the choice: in localStorage for the pages, and in a cookie so the
 * server renders the next page in it (`lang` and `dir` before the first paint).
 */
function remember(next) {
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch (_storageDisabled) {
    // The choice then lasts for this page only (and the cookie).
  }
  document.cookie = `${COOKIE}=${encodeURIComponent(next)}; path=/; max-age=${COOKIE_MAX_AGE}; samesite=lax`;
}

/** Switch the language, remember it, re-translate the page and tell the listeners. */
export function setLanguage(next) {
  if (!LANGUAGES.includes(next) || next === current) {
    return;
  }
  current = next;
  remember(next);
  translate();
  updateSwitches();
  for (const listener of listeners) {
    listener(current);
  }
}

function updateSwitches() {
  for (const select of /** @type {NodeListOf<HTMLSelectElement>} */ (document.querySelectorAll("select.lang-switch"))) {
    select.value = current;
  }
}

/**
 * Add the language switch to `container` (once) and translate the page: one
 * compact menu that names each language in itself, narrow enough for a phone's header.
 */
export function initI18n(container = document.querySelector("header.bar")) {
  if (container && !container.querySelector(".lang-switch")) {
    const select = document.createElement("select");
    select.className = "lang-switch";
    select.dataset.i18nAttr = "aria-label:lang.switch";
    for (const [code, label] of Object.entries(NAMES)) {
      const option = new Option(label, code);
      option.lang = code;
      select.append(option);
    }
    select.addEventListener("change", () => setLanguage(select.value));
    container.append(select);
  }
  translate();
  updateSwitches();
}

// Another tab or window (e.g. the host page beside the console) switched: follow it.
window.addEventListener("storage", (event) => {
  if (event.key === STORAGE_KEY && isLanguage(event.newValue)) {
    setLanguage(event.newValue);
  }
});
