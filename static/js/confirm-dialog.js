// A modal question before something that cannot be undone (ending a show,
// logging out while live): says what happens; Cancel or Escape changes nothing.
import { el } from "./dom.js";
import { setText } from "./i18n.js";

/**
 * Ask with a modal `<dialog>`: `title`, `body` and `confirm` are message keys.
 * Resolves true when the creator confirms, false on Cancel or Escape.
 */
export function confirmDialog({ title, body, confirm, params = {} }) {
  const heading = el("h2", { id: "confirm-title" });
  const text = el("p", { id: "confirm-body" });
  const cancelButton = el("button", { type: "submit", value: "cancel", className: "secondary", autofocus: true });
  const confirmButton = el("button", { type: "submit", value: "confirm", className: "primary danger" });
  setText(heading, title, params);
  setText(text, body, params);
  setText(cancelButton, "common.cancel");
  setText(confirmButton, confirm, params);
  const dialog = el(
    "dialog",
    { className: "confirm", attrs: { "aria-labelledby": "confirm-title", "aria-describedby": "confirm-body" } },
    el("form", { method: "dialog" }, heading, text, el("div", { className: "confirm-actions" }, cancelButton, confirmButton)),
  );
  document.body.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue === "confirm");
    });
    dialog.showModal();
  });
}

/**
 * Before a new stream key of a live show: the old key stops working for new
 * broadcasts, and whoever broadcasts with it now may be hung up too (a leaked
 * key in someone else's hands). Resolves "cancel", "key" or "key_and_disconnect".
 */
export function askKeyRotation() {
  const heading = el("h2", { id: "rotate-title" });
  const text = el("p", { id: "rotate-body" });
  const buttons = [
    ["cancel", "secondary", "common.cancel"],
    ["key", "secondary", "key.rotate_only"],
    ["key_and_disconnect", "primary danger", "key.rotate_disconnect"],
  ].map(([value, className, key]) => {
    const button = el("button", { type: "submit", value, className, autofocus: value === "cancel" });
    setText(button, key);
    return button;
  });
  setText(heading, "key.rotate_title");
  setText(text, "key.rotate_body");
  const dialog = el(
    "dialog",
    { className: "confirm", attrs: { "aria-labelledby": "rotate-title", "aria-describedby": "rotate-body" } },
    el("form", { method: "dialog" }, heading, text, el("div", { className: "confirm-actions" }, ...buttons)),
  );
  document.body.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue || "cancel");
    });
    dialog.showModal();
  });
}

/** The one confirmation before ending a show, wherever End show is pressed. */
export function confirmEndShow() {
  return confirmDialog({ title: "end.title", body: "end.body", confirm: "end.confirm" });
}
