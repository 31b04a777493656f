// The checkout sheet's frame: a modal <dialog> over the video with a title, a
// close button, the hold's countdown, an error line and a body the steps fill.
import { el } from "../dom.js";
import { setText, t } from "../i18n.js";

/**
 * @typedef {object} SheetDialog
 * @property {HTMLDialogElement} dialog
 * @property {HTMLElement} title
 * @property {HTMLButtonElement} closeButton
 * @property {HTMLElement} timer
 * @property {(step: string, titleKey: string, ...children: Node[]) => void} open show a step's title and body
 * @property {(text: string) => void} setTitleText a title that is data (a product's), set as text
 * @property {(text: string) => void} showError
 * @property {() => void} close
 */

/**
 * Build the sheet's frame and put it in the page (closed).
 * @returns {SheetDialog}
 */
export function createSheetDialog() {
  const title = el("h2", { id: "checkout-title" });
  const closeButton = /** @type {HTMLButtonElement} */ (
    el("button", { type: "button", className: "sheet-close", textContent: "×" })
  );
  closeButton.dataset.i18nAttr = "aria-label:checkout.close";
  closeButton.setAttribute("aria-label", t("checkout.close"));
  const timer = el("p", { className: "sheet-timer", attrs: { role: "timer" }, hidden: true });
  const error = el("p", { className: "error sheet-error", attrs: { role: "alert" } });
  const body = el("div", { className: "sheet-body" });
  const dialog = /** @type {HTMLDialogElement} */ (
    el(
      "dialog",
      { id: "checkout", className: "sheet", attrs: { "aria-labelledby": "checkout-title" } },
      el("div", { className: "sheet-head" }, title, closeButton),
      timer,
      error,
      body,
    )
  );
  document.body.append(dialog);

  /** @param {string} text */
  function showError(text) {
    delete error.dataset.i18n;
    error.textContent = text || "";
  }

  return {
    dialog,
    title,
    closeButton,
    timer,
    open(step, titleKey, ...children) {
      dialog.dataset.step = step;
      setText(title, titleKey);
      showError("");
      body.replaceChildren(...children);
      if (!dialog.open) {
        dialog.showModal();
      }
    },
    setTitleText(text) {
      title.textContent = text; // text, never markup
      delete title.dataset.i18n;
    },
    showError,
    close() {
      if (dialog.open) {
        dialog.close();
      }
    },
  };
}
