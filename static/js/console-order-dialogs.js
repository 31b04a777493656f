// The console's two order dialogs: "Mark shipped" (carrier and tracking, all
// optional) and the confirmation of a refund naming what and how much. Each
// runs its action itself, so a refusal stays in the dialog next to its field.
import { $ } from "./dom.js";
import { errorText } from "./http.js";
import { has, setText, t } from "./i18n.js";

const SHIP_FIELDS = ["carrier", "tracking_number", "tracking_url"];
let shipAction = null; // (shipment) => Promise, while the ship dialog is open
let refundAction = null; // () => Promise, while the refund dialog is open

function clearShipErrors() {
  for (const name of SHIP_FIELDS) {
    $(`ship-${name}`).removeAttribute("aria-invalid");
    $(`ship-${name}-error`).textContent = "";
  }
  $("ship-error").textContent = "";
}

/** The server's refusal next to the field it names, in the reader's words. */
function showShipError(error) {
  const field = error && error.details && error.details.field;
  if (error && error.code === "validation_failed" && SHIP_FIELDS.includes(field)) {
    const control = $(`ship-${field}`);
    control.setAttribute("aria-invalid", "true");
    const key = `ship.invalid.${field}`;
    $(`ship-${field}-error`).textContent = has(key) ? t(key) : errorText(error);
    control.focus();
    return;
  }
  $("ship-error").textContent = errorText(error);
}

/**
 * Open "Mark shipped" headed by `headingKey` (with `params`); `onShip(shipment)`
 * sends it and resolves when done (the dialog then closes) or rejects with the
 * server's error (shown in the dialog, which stays open).
 */
export function openShipDialog(headingKey, params, onShip) {
  const form = $("ship-form", HTMLFormElement);
  form.reset();
  clearShipErrors();
  setText($("ship-heading"), headingKey, params);
  shipAction = onShip;
  $("ship-submit", HTMLButtonElement).disabled = false;
  $("ship-dialog", HTMLDialogElement).showModal();
  $("ship-carrier").focus();
}

$("ship-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!shipAction) {
    return;
  }
  clearShipErrors();
  const shipment = {};
  for (const name of SHIP_FIELDS) {
    shipment[name] = $(`ship-${name}`, HTMLInputElement).value.trim();
  }
  $("ship-submit", HTMLButtonElement).disabled = true;
  try {
    await shipAction(shipment);
    $("ship-dialog", HTMLDialogElement).close();
  } catch (error) {
    showShipError(error);
  } finally {
    $("ship-submit", HTMLButtonElement).disabled = false;
  }
});
$("ship-cancel").addEventListener("click", () => $("ship-dialog", HTMLDialogElement).close());
for (const name of SHIP_FIELDS) {
  $(`ship-${name}`).addEventListener("input", () => {
    $(`ship-${name}`).removeAttribute("aria-invalid");
    $(`ship-${name}-error`).textContent = "";
  });
}

/**
 * Ask before a refund: `textKey` and its params say what and how much (the
 * button repeats the amount); `onRefund()` runs it, as for the ship dialog.
 */
export function openRefundDialog(textKey, params, onRefund) {
  setText($("refund-text"), textKey, params);
  setText($("refund-submit"), "refund.submit", { amount: params.amount });
  $("refund-error").textContent = "";
  refundAction = onRefund;
  $("refund-submit", HTMLButtonElement).disabled = false;
  $("refund-dialog", HTMLDialogElement).showModal();
  // The safe choice first: Enter must not refund by accident.
  $("refund-cancel").focus();
}

$("refund-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!refundAction) {
    return;
  }
  $("refund-submit", HTMLButtonElement).disabled = true;
  $("refund-error").textContent = "";
  try {
    await refundAction();
    $("refund-dialog", HTMLDialogElement).close();
  } catch (error) {
    $("refund-error").textContent = errorText(error);
  } finally {
    $("refund-submit", HTMLButtonElement).disabled = false;
  }
});
$("refund-cancel").addEventListener("click", () => $("refund-dialog", HTMLDialogElement).close());
// Closed any way (Cancel, Escape, done): the action is over.
$("ship-dialog").addEventListener("close", () => {
  shipAction = null;
});
$("refund-dialog").addEventListener("close", () => {
  refundAction = null;
});
