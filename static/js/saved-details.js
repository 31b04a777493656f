// A returning buyer's shipping details at a glance in the checkout form:
// who, where and the email, with Change to open the fields again.
import { el } from "./dom.js";
import { setText } from "./i18n.js";
import { addressBlock } from "./order-view.js";

/** The summary; `onEdit()` runs on Change. `show(values)` draws it, `hide()` removes it. */
export function createSavedDetails({ onEdit }) {
  const heading = el("p", { className: "saved-heading" });
  setText(heading, "checkout.ship_to");
  const body = el("div", { className: "saved-body" });
  const change = el("button", { type: "button", className: "link saved-change" });
  setText(change, "checkout.edit_details");
  change.addEventListener("click", onEdit);
  const element = el(
    "div",
    { className: "saved-details", hidden: true },
    el("div", { className: "saved-top" }, heading, change),
    body,
  );
  return {
    element,
    /** `values`: `{email, name, address}` as the form would send them (text, never markup). */
    show(values) {
      body.replaceChildren(
        addressBlock({ name: values.name, address: values.address }),
        el("p", { className: "muted saved-email", textContent: values.email }),
      );
      element.hidden = false;
    },
    hide() {
      element.hidden = true;
    },
    get shown() {
      return !element.hidden;
    },
  };
}
