// What the checkout sheet shows for each step of its machine: the phone's
// variant and quantity, the name form, the shipping form, the payment, the
// confirmation and the expired hold. The parts that keep what a buyer typed
// (the shipping form, the payment) live as long as they are needed.
import { createChooseStep } from "../checkout-choose.js";
import { createCheckoutForm } from "../checkout-form.js";
import { doneStep, nameStep } from "../checkout-steps.js";
import { el } from "../dom.js";
import { setText } from "../i18n.js";
import { orderPrice } from "../order-pricing.js";
import { linesList, totalRow } from "../order-view.js";
import { createPaymentStep } from "../payment-step.js";

/** @typedef {import("./types.js").State} State */
/** @typedef {import("./types.js").Choice} Choice */
/** @typedef {import("./dialog.js").SheetDialog} SheetDialog */

/**
 * What the screens ask of the sheet: the buyer's actions, and a returning buyer's saved details.
 * @typedef {object} ScreenActions
 * @property {(choice: Choice) => void} buy Buy now on the phone's choose step
 * @property {(name: string) => Promise<void>} chooseName save the display name (rejects when refused)
 * @property {(details: Record<string, any>) => void} submit the shipping form
 * @property {(order: any) => void} paid the payment step finished
 * @property {() => void} buyAgain
 * @property {() => void} close
 * @property {() => Promise<any>} savedDetails
 * @property {() => string | null} viewerName the guest's display name, if any
 */

/**
 * @param {SheetDialog} sheet
 * @param {ScreenActions} actions
 */
export function createScreens(sheet, actions) {
  /** @type {ReturnType<typeof createChooseStep> | null} */
  let chooser = null; // the phone's variant / quantity step
  /** @type {ReturnType<typeof createCheckoutForm> | null} */
  let form = null; // the shipping form, kept for the next purchase of this visit
  let formCheckoutId = null; // the checkout the form was last shown for
  /** @type {{checkoutId: string, step: ReturnType<typeof createPaymentStep>} | null} */
  let pay = null; // the payment step of the order being paid

  /**
   * Show `state`'s step; `isCurrent()` tells a step that waits (for saved details) whether it is still wanted.
   * @param {State} state
   * @param {() => boolean} isCurrent
   */
  async function show(state, isCurrent) {
    switch (state.step) {
      case "choose":
        return showChoose(state);
      case "name":
        return showName();
      case "details":
        return showDetails(state, isCurrent);
      case "pay":
        return showPay(state);
      case "done":
        return showDone(state);
      case "expired":
        return showExpired(state);
      default:
        return undefined;
    }
  }

  /** @param {State} state */
  function showChoose(state) {
    const offer = state.surface ? state.surface.offer() : null;
    if (!offer || !offer.pin || !state.choice) {
      return;
    }
    chooser = chooser || createChooseStep({ onBuy: actions.buy });
    sheet.open("choose", "checkout.choose", ...chooser.nodes);
    sheet.setTitleText(offer.pin.product.title);
    chooser.begin(offer, state.choice, state.busy);
  }

  function showName() {
    const step = nameStep({ onName: actions.chooseName });
    sheet.open("name", "checkout.name_title", ...step.nodes);
    step.input.focus();
  }

  /**
   * @param {State} state
   * @param {() => boolean} isCurrent
   */
  async function showDetails(state, isCurrent) {
    if (!form) {
      const details = await actions.savedDetails();
      form = form || createCheckoutForm({ onSubmit: actions.submit });
      form.fill(details);
    }
    const session = state.session;
    if (!session || !isCurrent()) {
      return; // closed (or moved on) while the details loaded
    }
    const checkout = session.checkout;
    if (formCheckoutId !== checkout.id) {
      formCheckoutId = checkout.id;
      form.clearCoupon();
    }
    form.setViewerName(actions.viewerName());
    form.setBusy(state.placing);
    sheet.open(
      "details",
      "checkout.title",
      el("div", { className: "checkout-summary" }, linesList(checkout.lines, checkout.currency), totalRow(checkout.total_minor, checkout.currency)),
      form.element,
    );
    form.focus();
  }

  /** @param {State} state */
  function showPay(state) {
    const session = state.session;
    if (!session) {
      return;
    }
    const order = session.order;
    if (!pay || pay.checkoutId !== session.checkout.id) {
      pay = {
        checkoutId: session.checkout.id,
        step: createPaymentStep({ order, payment: session.payment, onDone: actions.paid }),
      };
    }
    sheet.open("pay", "pay.title", el("div", { className: "checkout-summary" }, linesList(order.lines, order.currency), orderPrice(order)), pay.step.element);
    const first = /** @type {HTMLElement | null} */ (pay.step.element.querySelector("input, button"));
    if (first) {
      first.focus();
    }
  }

  /** @param {State} state */
  function showDone(state) {
    const order = state.session && state.session.order;
    if (!order) {
      return;
    }
    const step = doneStep(order, { onBack: actions.close });
    sheet.open("done", order.status === "paid" ? "checkout.thanks" : "checkout.order_title", ...step.nodes);
    step.back.focus();
  }

  /** @param {State} state */
  function showExpired(state) {
    const text = el("p", {});
    setText(text, "checkout.expired_text");
    const again = /** @type {HTMLButtonElement} */ (el("button", { type: "button", className: "primary wide" }));
    setText(again, "checkout.buy_again");
    again.addEventListener("click", actions.buyAgain);
    sheet.open("expired", "checkout.expired_title", text, again);
    again.disabled = !state.choice;
  }

  return {
    show,
    /**
     * The pin, the stock or the busy state changed: the choose step follows.
     * @param {State} state
     */
    offerMoved(state) {
      if (state.step === "choose" && chooser && state.surface) {
        chooser.update(state.surface.offer(), state.busy);
      }
    },
    /**
     * The shipping form's busy state and errors (a refused field is marked under its input).
     * @param {boolean} placing
     */
    formBusy(placing) {
      if (form) {
        form.setBusy(placing);
      }
    },
    /**
     * @param {import("./types.js").Failure | null} failure
     */
    formError(failure) {
      if (!form) {
        return;
      }
      if (!failure) {
        form.showError("");
      } else if (!(failure.code === "validation_failed" && form.showFieldError(failure.error))) {
        form.showError(failure.text);
      }
    },
    /**
     * The language changed: the parts that format text re-word it, and the step is shown again.
     * @param {State} state
     * @param {() => boolean} isCurrent
     */
    relabel(state, isCurrent) {
      if (state.step === "choose" && chooser) {
        chooser.relabel();
      } else if (state.step === "details" && form) {
        form.relabel();
        showDetails(state, isCurrent);
      } else if (state.step === "pay" && pay) {
        pay.step.relabel();
        showPay(state);
      } else if (state.step === "done") {
        showDone(state);
      }
    },
  };
}
