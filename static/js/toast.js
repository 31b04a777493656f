// Short notes over the video ("Mia just bought Tee"): text only, a few at a
// time, each gone after a moment; a burst of purchases never piles up.
import { el } from "./dom.js";

const SHOW_MS = 4000;
const MAX_VISIBLE = 3;

/** Toasts in `layer` (an aria-live region); `show(text)` adds one. */
export function createToasts(layer) {
  return {
    show(text) {
      const toast = el("p", { className: "toast", textContent: text }); // never markup
      layer.append(toast);
      while (layer.childElementCount > MAX_VISIBLE) {
        layer.firstElementChild.remove();
      }
      setTimeout(() => {
        toast.classList.add("leaving");
        setTimeout(() => toast.remove(), 300);
      }, SHOW_MS);
    },
  };
}
