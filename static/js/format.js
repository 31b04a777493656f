// Locale-aware formatting of money, times and countdowns. Times shown with
// `timeElement` or `setTextWithTimes` follow a language switch.
import { locale, onLanguageChange, setText } from "./i18n.js";

/**
 * Digits after the decimal point for `currency` (JPY 0, USD 2, KWD 3).
 * @param {string} currency
 * @returns {number}
 */
export function currencyExponent(currency) {
  try {
    const options = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions();
    return options.maximumFractionDigits ?? 2;
  } catch (_unknownCurrency) {
    return 2;
  }
}

/** An amount in minor units (cents) as a price, e.g. 1999 USD -> "$19.99". */
export function formatMoney(minor, currency) {
  const exponent = currencyExponent(currency);
  const amount = Number(minor) / 10 ** exponent;
  try {
    return new Intl.NumberFormat(locale(), { style: "currency", currency }).format(amount);
  } catch (_unknownCurrency) {
    return `${amount.toFixed(exponent)} ${currency}`;
  }
}

/** A decimal string typed by a person ("19.99") to minor units for `currency`, or null. */
export function parseMoney(text, currency) {
  const exponent = currencyExponent(currency);
  const cleaned = String(text).trim().replace(",", ".");
  const pattern = exponent > 0 ? new RegExp(`^\\d+(\\.\\d{1,${exponent}})?$`) : /^\d+$/;
  if (!pattern.test(cleaned)) {
    return null;
  }
  const [whole, fraction = ""] = cleaned.split(".");
  return Number(whole) * 10 ** exponent + Number(fraction.padEnd(exponent, "0") || 0);
}

/** Minor units back to the decimal string a form shows. */
export function minorToInput(minor, currency) {
  const exponent = currencyExponent(currency);
  return (Number(minor) / 10 ** exponent).toFixed(exponent);
}

/** Epoch seconds as a date and time in the reader's locale and time zone. */
export function formatDateTime(epochSeconds) {
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "short" }).format(
    new Date(epochSeconds * 1000),
  );
}

/** Epoch milliseconds as a short time of day. */
export function formatClock(epochMs) {
  return new Intl.DateTimeFormat(locale(), { hour: "2-digit", minute: "2-digit" }).format(
    new Date(epochMs),
  );
}

// How `timeElement` and `setTextWithTimes` word a time given in epoch ms.
const TIME_STYLES = {
  clock: (ms) => formatClock(ms),
  datetime: (ms) => formatDateTime(ms / 1000),
};

function wordTime([epochMs, style]) {
  return (TIME_STYLES[style] || TIME_STYLES.datetime)(epochMs);
}

/**
 * A `<time>` showing `epochMs` as a "clock" (09:34) or "datetime", in the
 * page's language now and after every language switch.
 */
export function timeElement(epochMs, style = "datetime", className = "") {
  const time = document.createElement("time");
  time.className = className;
  time.dateTime = new Date(epochMs).toISOString();
  time.dataset.timeStyle = style;
  time.dataset.epochMs = String(epochMs);
  time.textContent = wordTime([epochMs, style]);
  return time;
}

/**
 * `setText` with times among the params: `times` maps a placeholder to
 * `[epochMs, style]` ("chat.muted_until", {}, {time: [until, "clock"]}), and
 * the text is worded again, times included, after a language switch.
 */
export function setTextWithTimes(element, key, params, times) {
  element.dataset.i18nTimes = JSON.stringify(times);
  const worded = Object.fromEntries(Object.entries(times).map(([name, time]) => [name, wordTime(time)]));
  setText(element, key, { ...params, ...worded });
}

// translate() has put back the old words (times in the old language): redo the times.
onLanguageChange(() => {
  for (const time of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll("time[data-time-style]"))) {
    time.textContent = wordTime([Number(time.dataset.epochMs), time.dataset.timeStyle]);
  }
  for (const element of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll("[data-i18n-times]"))) {
    if (!element.dataset.i18n) {
      delete element.dataset.i18nTimes; // the element now shows other text
      continue;
    }
    let params = {};
    let times = {};
    try {
      params = element.dataset.i18nArgs ? JSON.parse(element.dataset.i18nArgs) : {};
      times = JSON.parse(element.dataset.i18nTimes || "{}");
    } catch (_bad) {
      continue;
    }
    setTextWithTimes(element, element.dataset.i18n, params, times);
  }
});

/** A duration in ms as "1:02:03", "02:03" (never negative). */
export function formatDuration(ms) {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  const days = Math.floor(seconds / 86400);
  const hh = Math.floor((seconds % 86400) / 3600);
  const mm = String(Math.floor((seconds % 3600) / 60)).padStart(2, "0");
  const ss = String(seconds % 60).padStart(2, "0");
  const clock = hh || days ? `${hh}:${mm}:${ss}` : `${mm}:${ss}`;
  return days ? `${days}d ${clock}` : clock;
}

// Counts are formatted where plural messages are worded (i18n.js); pages import it from here.
export { formatCount } from "./i18n.js";
