// Buying without leaving the show: a sheet over the video (a modal <dialog>)
// that reserves the stock, takes the shipping details (a returning buyer's
// come filled in), the payment, and shows the confirmation. On a phone it
// first offers the variant and quantity (the card over the video has no room
// for them). What is bought comes from a "surface": the pinned card or a row
// of the bag, which shows the busy state and errors of its own Buy now.
import { buyNow, cancelCheckout, fetchCheckoutDetails, newRequestId, placeOrder } from "./checkout-api.js";
import { createChooseStep } from "./checkout-choose.js";
import { createCheckoutForm } from "./checkout-form.js";
import { doneStep, nameStep } from "./checkout-steps.js";
import { el } from "./dom.js";
import { formatDuration } from "./format.js";
import { onLanguageChange, setText, t } from "./i18n.js";
import { linesList, totalRow } from "./order-view.js";
import { createPaymentStep } from "./payment-step.js";
import { retryable, shopErrorText } from "./shop-errors.js";

const PHONE = window.matchMedia("(max-width: 900px)"); // the card sits over the video

/**
 * `showId`; `viewerName` (from setUpViewerName) knows and sets the guest's
 * name; `replayOffset()` is the moment of the show the replay plays (null
 * live). `start(choice, surface)` buys from a surface: `{offer(), setBusy(on),
 * setError(text), setResume(choice)}` (the pinned card or a bag row).
 */
export function createCheckout({ showId, viewerName, replayOffset = () => null }) {
  const title = el("h2", { id: "checkout-title" });
  const closeButton = el("button", { type: "button", className: "sheet-close", textContent: "×" });
  closeButton.dataset.i18nAttr = "aria-label:checkout.close";
  closeButton.setAttribute("aria-label", t("checkout.close"));
  const timer = el("p", { className: "sheet-timer", attrs: { role: "timer" }, hidden: true });
  const error = el("p", { className: "error sheet-error", attrs: { role: "alert" } });
  const body = el("div", { className: "sheet-body" });
  const dialog = el(
    "dialog",
    { id: "checkout", className: "sheet", attrs: { "aria-labelledby": "checkout-title" } },
    el("div", { className: "sheet-head" }, title, closeButton),
    timer,
    error,
    body,
  );
  document.body.append(dialog);

  let step = null; // choose | name | reserving | details | pay | done | expired
  let session = null; // {key, choice, surface, checkout, skewMs, order, payment, pay, done}
  let retry = null; // {key, requestId, replayOffsetMs}: a Buy whose answer was lost, to send again as is
  let surface = null; // where the purchase being made was started
  let chooser = null; // the phone's variant / quantity step
  let form = null; // the shipping form, kept for the next purchase of this visit
  let saved = null; // this browser's last order's details, asked once per visit
  let clock = null;
  let busy = false; // a Buy now is waiting for the server
  let placing = false; // the shipping form is on its way

  // ---- Showing steps -----------------------------------------------------------

  function open(nextStep, titleKey, ...children) {
    step = nextStep;
    dialog.dataset.step = nextStep;
    setText(title, titleKey);
    showError("");
    body.replaceChildren(...children);
    if (!dialog.open) {
      dialog.showModal();
    }
    tick();
  }

  function showError(text) {
    delete error.dataset.i18n;
    error.textContent = text || "";
  }

  function close() {
    if (session && session.checkout && !session.order) {
      cancelCheckout(session.checkout.id); // give the held stock back to the room
      session = null;
    }
    if (session && session.done) {
      session = null;
    }
    step = null;
    clearInterval(clock);
    clock = null;
    if (dialog.open) {
      dialog.close();
    }
    if (session && session.order) {
      session.surface.setResume(session.choice);
    } else if (surface) {
      surface.setResume(null);
    }
  }

  closeButton.addEventListener("click", close);
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault(); // Escape: our close, which also releases the hold
    close();
  });
  dialog.addEventListener("click", (event) => {
    // A tap beside the sheet closes it, unless a form is being filled in.
    if (event.target === dialog && !["details", "pay", "reserving"].includes(step)) {
      close();
    }
  });
  window.addEventListener("pagehide", () => {
    if (session && session.checkout && !session.order) {
      cancelCheckout(session.checkout.id);
    }
  });

  // ---- The hold's countdown -----------------------------------------------------

  function tick() {
    const checkout = session && session.checkout;
    const holding = checkout && ["details", "pay"].includes(step);
    timer.hidden = !holding;
    if (!holding) {
      clearInterval(clock);
      clock = null;
      return;
    }
    if (!clock) {
      clock = setInterval(tick, 1000);
    }
    const left = checkout.expires_at * 1000 + session.skewMs - Date.now();
    timer.dataset.expired = String(left <= 0);
    if (left > 0) {
      setText(timer, "checkout.held_for", { time: formatDuration(left) });
    } else if (step === "details") {
      showExpired();
    } else {
      setText(timer, "checkout.hold_ended");
    }
  }

  // ---- Step: variant and quantity (phones) -------------------------------------

  function showChoose(choice) {
    const offer = surface.offer();
    if (!offer.pin) {
      return;
    }
    chooser = chooser || createChooseStep({ onBuy: (picked) => start(picked, surface, { fromSheet: true }) });
    open("choose", "checkout.choose", ...chooser.nodes);
    title.textContent = offer.pin.product.title; // text, never markup
    delete title.dataset.i18n;
    chooser.begin(offer, choice);
  }

  function drawChoose() {
    if (step === "choose" && chooser && surface) {
      chooser.update(surface.offer(), busy);
    }
  }

  // ---- Step: a display name first ------------------------------------------------

  function askName(then) {
    const step = nameStep({
      onName: async (name) => {
        try {
          await viewerName.choose(name); // the chat knows the name too
        } catch (failure) {
          showError(shopErrorText(failure));
          throw failure;
        }
        then();
      },
    });
    open("name", "checkout.name_title", ...step.nodes);
    step.input.focus();
  }

  // ---- Buy now: hold the stock -------------------------------------------------

  /** Buy now was pressed on `from` with `choice` (`{variantId, quantity}`). */
  async function start(choice, from, { fromSheet = false } = {}) {
    const key = `${choice.variantId}:${choice.quantity}`;
    if (session && session.order && !session.done && session.choice.variantId === choice.variantId) {
      // Already ordered (its units are held, so the card may offer fewer now): carry on paying.
      showPay();
      return;
    }
    if (surface && surface !== from) {
      surface.setError("");
    }
    surface = from;
    if (!fromSheet && PHONE.matches) {
      showChoose(choice);
      return;
    }
    if (!viewerName.viewer) {
      askName(() => resume(choice));
      return;
    }
    await reserve(choice, key);
  }

  /** Buy again after the name step or an expired hold: from the phone's choice step, else from the card. */
  function resume(choice) {
    if (PHONE.matches) {
      showChoose(choice);
    } else {
      close();
    }
    reserve(choice, `${choice.variantId}:${choice.quantity}`);
  }

  async function reserve(choice, key) {
    // The same click sent again after a lost answer keeps its request_id, so the
    // server returns the same checkout instead of holding twice.
    const again = Boolean(retry && retry.key === key);
    const requestId = again ? retry.requestId : newRequestId();
    // In the replay the price depends on the moment of the show: a retry keeps it.
    const replayOffsetMs = again ? retry.replayOffsetMs : replayOffset();
    retry = { key, requestId, replayOffsetMs };
    const from = surface;
    const report = (text) => (step === "choose" ? showError(text) : from.setError(text));
    showError("");
    from.setError("");
    setBusy(true);
    loadSaved(); // meanwhile: a returning buyer's details for the form
    try {
      // The pin on screen lets the server price a flash sale that has just started;
      // a bag product that is not pinned has none (its regular price).
      const onScreen = from.offer().pin;
      const pinId = onScreen && Number.isInteger(onScreen.id) ? onScreen.id : undefined;
      const { checkout, skewMs } = await buyNow(showId, { ...choice, pinId, requestId, replayOffsetMs });
      retry = null;
      session = { key, choice, surface: from, checkout, skewMs, order: null, payment: null, pay: null, done: false };
      await showDetails();
    } catch (failure) {
      if (failure.code === "viewer_required") {
        askName(() => resume(choice)); // the same request_id: nothing was held
        return;
      }
      if (!retryable(failure)) {
        retry = null;
      }
      const text = retryable(failure) ? `${shopErrorText(failure)} ${t("shop.try_again")}` : shopErrorText(failure);
      report(text);
    } finally {
      setBusy(false);
    }
  }

  function setBusy(value) {
    busy = value;
    if (surface) {
      surface.setBusy(value);
    }
    drawChoose();
  }

  /** This browser's last order's email, name and address (null for a first purchase). */
  function loadSaved() {
    if (!saved) {
      saved = fetchCheckoutDetails().catch(() => null); // the form just starts empty
    }
    return saved;
  }

  // ---- Step: shipping details ------------------------------------------------------

  async function showDetails() {
    if (!form) {
      const details = await loadSaved();
      form = form || createCheckoutForm({ onSubmit: submitDetails });
      form.fill(details);
    }
    if (!session) {
      return; // closed while the details loaded
    }
    const checkout = session.checkout;
    form.setViewerName(viewerName.viewer && viewerName.viewer.display_name);
    open(
      "details",
      "checkout.title",
      el("div", { className: "checkout-summary" }, linesList(checkout.lines, checkout.currency), totalRow(checkout.total_minor, checkout.currency)),
      form.element,
    );
    form.focus();
  }

  async function submitDetails(details) {
    if (placing || !session) {
      return; // a second Enter while the first is on its way
    }
    placing = true;
    form.showError("");
    form.setBusy(true);
    try {
      const result = await placeOrder(session.checkout.id, details);
      session.order = result.order;
      session.payment = result.payment;
      showPay();
    } catch (failure) {
      if (failure.code === "checkout_expired") {
        showExpired();
      } else if (failure.code === "viewer_required") {
        askName(showDetails);
      } else if (!(failure.code === "validation_failed" && form.showFieldError(failure, shopErrorText(failure)))) {
        form.showError(shopErrorText(failure));
      }
    } finally {
      placing = false;
      form.setBusy(false);
    }
  }

  // ---- Step: payment ----------------------------------------------------------------

  function showPay() {
    const order = session.order;
    if (!session.pay) {
      session.pay = createPaymentStep({ order, payment: session.payment, onDone: showDone });
    }
    open(
      "pay",
      "pay.title",
      el("div", { className: "checkout-summary" }, totalRow(order.total_minor, order.currency)),
      session.pay.element,
    );
    const first = session.pay.element.querySelector("input, button");
    if (first) {
      first.focus();
    }
  }

  // ---- Step: confirmation -------------------------------------------------------------

  function showDone(order) {
    session.done = true;
    session.order = order;
    session.surface.setResume(null);
    const step = doneStep(order, { onBack: close });
    open("done", order.status === "paid" ? "checkout.thanks" : "checkout.order_title", ...step.nodes);
    step.back.focus();
  }

  // ---- Step: the hold ran out before the order -------------------------------------------

  function showExpired() {
    const choice = session && session.choice;
    session = null; // the server gave the stock back already
    const text = el("p", {});
    setText(text, "checkout.expired_text");
    const again = el("button", { type: "button", className: "primary wide" });
    setText(again, "checkout.buy_again");
    again.addEventListener("click", () => choice && resume(choice));
    open("expired", "checkout.expired_title", text, again);
    again.disabled = !choice;
  }

  onLanguageChange(() => {
    if (!dialog.open) {
      return;
    }
    if (step === "choose") {
      chooser.relabel();
    } else if (step === "details") {
      form.relabel();
      showDetails();
    } else if (step === "pay") {
      session.pay.relabel();
      showPay();
    } else if (step === "done") {
      showDone(session.order);
    }
  });

  return {
    start,
    /** The pin or stock changed: the phone's choice step follows (closed if the product left). */
    offerChanged() {
      if (step !== "choose" || !surface) {
        return;
      }
      if (!surface.offer().pin) {
        close();
        return;
      }
      drawChoose();
    },
  };
}
