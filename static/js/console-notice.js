// A short status line at the top of the console ("Saved", "Copied"), and the
// error line under a form. A notice never outlives what it says: it times
// out, is replaced by the next one, or goes when its condition stops holding.
import { $ } from "./dom.js";
import { setText } from "./i18n.js";

const SHOW_MS = 4000;
const CHECK_MS = 500;

/** @type {ReturnType<typeof setTimeout> | undefined} */
let timer;
/** @type {string | null} */
let shown = null; // the key on screen, or null

function hide() {
  clearTimeout(timer);
  clearInterval(timer);
  timer = undefined;
  shown = null;
  $("notice").hidden = true;
}

/**
 * Show the message `key` for a few seconds; with `whileTrue`, for as long as
 * `whileTrue()` holds instead ("Camera disconnected" until it is back).
 * @param {string} key
 * @param {Record<string, unknown>} [params]
 * @param {{whileTrue?: (() => boolean) | null}} [options]
 */
export function notify(key, params, { whileTrue = null } = {}) {
  const notice = $("notice");
  hide();
  setText(notice, key, params);
  notice.hidden = false;
  shown = key;
  if (whileTrue) {
    timer = setInterval(() => {
      if (!whileTrue()) {
        hide();
      }
    }, CHECK_MS);
  } else {
    timer = setTimeout(hide, SHOW_MS);
  }
}

/** Take the notice away now: any notice, or only the one saying `key`. */
export function clearNotice(key) {
  if (shown !== null && (key === undefined || key === shown)) {
    hide();
  }
}

/** Put an error's text in `element` (translated code or the server's message); "" clears it. */
export function showError(element, text) {
  delete element.dataset.i18n;
  element.textContent = text || "";
}
