// Interface language: English or Simplified Chinese, chosen from the browser
// and switchable; the choice is remembered in localStorage.
import { MESSAGES } from "./i18n-messages.js";

const STORAGE_KEY = "livesale:lang";
export const LANGUAGES = ["en", "zh-CN"];
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

/** The first browser language we speak: any zh* is Simplified Chinese. */
function fromBrowser() {
  const preferred = navigator.languages && navigator.languages.length
    ? navigator.languages
    : [navigator.language || "en"];
  for (const tag of preferred) {
    const lower = String(tag).toLowerCase();
    if (lower.startsWith("zh")) {
      return "zh-CN";
    }
    if (lower.startsWith("en")) {
      return "en";
    }
  }
  return "en";
}

const saved = stored();
let current = isLanguage(saved) ? saved : fromBrowser();

/** The interface language: "en" or "zh-CN". */
export function language() {
  return current;
}

/** The locale for dates and numbers: the browser's own English variant, or zh-CN. */
export function locale() {
  if (current === "zh-CN") {
    return "zh-CN";
  }
  const english = (navigator.languages || []).find((tag) => /^en\b/i.test(tag));
  return english || "en";
}

/** The text for `key` in the current language, with `{name}` placeholders filled. */
export function t(key, params = {}) {
  const table = MESSAGES[current] || MESSAGES.en;
  let text = table[key];
  if (text === undefined) {
    text = MESSAGES.en[key];
  }
  if (text === undefined) {
    console.warn(`i18n: no text for ${key}`);
    return key;
  }
  return text.replace(/\{(\w+)\}/g, (_match, name) =>
    params[name] === undefined ? `{${name}}` : String(params[name]),
  );
}

/** Whether a translation exists for `key`. */
export function has(key) {
  return Object.hasOwn(MESSAGES.en, key);
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
}

/** Call `listener(language)` after every language switch (to re-render formatted text). */
export function onLanguageChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Switch the language, remember it, re-translate the page and tell the listeners. */
export function setLanguage(next) {
  if (!LANGUAGES.includes(next) || next === current) {
    return;
  }
  current = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch (_storageDisabled) {
    // The choice then lasts for this page only.
  }
  translate();
  updateSwitches();
  for (const listener of listeners) {
    listener(current);
  }
}

function updateSwitches() {
  for (const button of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll("[data-lang]"))) {
    button.setAttribute("aria-pressed", String(button.dataset.lang === current));
  }
}

/** Add the EN / 中文 switch to `container` (once) and translate the page. */
export function initI18n(container = document.querySelector("header.bar")) {
  if (container && !container.querySelector(".lang-switch")) {
    const group = document.createElement("div");
    group.className = "lang-switch";
    group.setAttribute("role", "group");
    group.dataset.i18nAttr = "aria-label:lang.switch";
    for (const [code, label] of [["en", "EN"], ["zh-CN", "中文"]]) {
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.lang = code;
      button.lang = code;
      button.textContent = label;
      button.addEventListener("click", () => setLanguage(code));
      group.append(button);
    }
    container.append(group);
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
