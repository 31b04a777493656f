// The winner's claim: the checkout's shipping form in a modal, no payment
// step (the prize costs nothing); the order it makes opens next.
import { createCheckoutForm } from "./checkout-form.js";
import { el, find } from "./dom.js";
import { errorText, get, post } from "./http.js";
import { setText } from "./i18n.js";

/**
 * Ask for the shipping details and claim at `url`; `onClaimed(order)` follows.
 * @param {{url: string, viewerName: () => string | null, onClaimed: (order: any) => void}} options
 */
export function openGiveawayClaim({ url, viewerName, onClaimed }) {
  const heading = el("h2", { id: "giveaway-claim-title" });
  setText(heading, "giveaway.claim_title");
  const note = el("p", { className: "muted" });
  setText(note, "giveaway.claim_note");
  const close = el("button", { type: "button", className: "link giveaway-claim-cancel" });
  setText(close, "common.cancel");
  const form = createCheckoutForm({
    onSubmit: async (details) => {
      submit.disabled = true;
      form.showError("");
      try {
        // Nothing is bought: the room is never told, whatever the form's box says.
        const body = await post(url, { ...details, announce: false });
        dialog.close();
        onClaimed(body.order);
      } catch (error) {
        if (!form.showFieldError(error)) {
          form.showError(errorText(error));
        }
      }
      submit.disabled = false;
    },
  });
  // The checkout's form, worded for a prize: no payment follows, and no purchase is announced.
  const submit = find(form.element, "button[type=submit]", HTMLButtonElement);
  setText(submit, "giveaway.claim_submit");
  find(form.element, "#checkout-announce", HTMLInputElement).closest("label")?.setAttribute("hidden", "");
  form.setViewerName(viewerName());
  const dialog = el(
    "dialog",
    { className: "giveaway-claim", attrs: { "aria-labelledby": "giveaway-claim-title" } },
    heading,
    note,
    form.element,
    close,
  );
  close.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  // A returning buyer starts from their last details, as in the checkout.
  get("/api/viewer/checkout-details")
    .then((body) => form.fill(body && body.details))
    .catch(() => null)
    .finally(() => form.focus());
}
