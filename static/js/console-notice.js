// A short status line at the top of the console ("Saved", "Copied").
import { setText } from "./i18n.js";

let timer = null;

/** Show the message `key` for a few seconds. */
export function notify(key, params) {
  const notice = document.getElementById("notice");
  setText(notice, key, params);
  notice.hidden = false;
  clearTimeout(timer);
  timer = setTimeout(() => {
    notice.hidden = true;
  }, 4000);
}

/** Put an error's text in `element` (translated code or the server's message). */
export function showError(element, text) {
  delete element.dataset.i18n;
  element.textContent = text || "";
}
