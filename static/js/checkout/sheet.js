// Buying without leaving the show: a sheet over the video (a modal <dialog>)
// that reserves the stock, takes the shipping details (a returning buyer's
// come filled in), the payment, and shows the confirmation. On a phone it
// first offers the variant and quantity (the card over the video has no room
// for them). What is bought comes from a "surface": the pinned card or a row
// of the bag, which shows the busy state and errors of its own Buy now.
//
// The steps are the pure machine in machine.js; this module feeds it events
// (clicks, answers of the server, the clock), carries out the effects it
// returns, and shows its state (screens.js).
import { buyNow, cancelCheckout, fetchCheckoutDetails, newRequestId, placeOrder } from "../checkout-api.js";
import { formatDuration } from "../format.js";
import { ServerError } from "../http.js";
import { onLanguageChange, setText, t } from "../i18n.js";
import { retryable, shopErrorText } from "../shop-errors.js";
import { createSheetDialog } from "./dialog.js";
import { initialState, transition } from "./machine.js";
import { createScreens } from "./screens.js";

/** @typedef {import("./types.js").State} State */
/** @typedef {import("./types.js").Event} Event */
/** @typedef {import("./types.js").Effect} Effect */
/** @typedef {import("./types.js").Failure} Failure */
/** @typedef {import("./types.js").Choice} Choice */
/** @typedef {import("./types.js").Surface} Surface */

const PHONE = window.matchMedia("(max-width: 900px)"); // the card sits over the video

/**
 * A failed call for the machine, worded now (the sheet's and the surface's
 * errors stay as they were worded). `tryAgain`: a Buy now that may be pressed
 * again says so.
 * @param {unknown} error
 * @param {{tryAgain?: boolean}} [options]
 * @returns {Failure}
 */
function failureOf(error, { tryAgain = false } = {}) {
  const again = retryable(error);
  const words = shopErrorText(error);
  return {
    code: error instanceof ServerError ? error.code : "",
    retryable: again,
    text: tryAgain && again ? `${words} ${t("shop.try_again")}` : words,
    error,
  };
}

/**
 * @typedef {object} ViewerName
 * @property {{display_name: string} | null} viewer the guest, once known
 * @property {(name: string) => Promise<unknown>} choose
 */

/**
 * `showId`; `viewerName` (from setUpViewerName) knows and sets the guest's
 * name; `replayOffset()` is the moment of the show the replay plays (null
 * live). `start(choice, surface)` buys from a surface: `{offer(), setBusy(on),
 * setError(text), setResume(choice)}` (the pinned card or a bag row).
 * @param {{showId: string, viewerName: ViewerName, replayOffset?: () => number | null}} options
 */
export function createCheckout({ showId, viewerName, replayOffset = () => null }) {
  const sheet = createSheetDialog();
  /** @type {State} */
  let state = initialState;
  let shownScreen = 0; // the machine's screen the sheet's body shows
  /** @type {Promise<any> | null} */
  let saved = null; // this browser's last order's details, asked once per visit
  /** @type {ReturnType<typeof setInterval> | null} */
  let clock = null;

  const screens = createScreens(sheet, {
    buy: (choice) => start(choice, state.surface, { fromSheet: true }),
    chooseName: async (name) => {
      try {
        await viewerName.choose(name); // the chat knows the name too
      } catch (failure) {
        dispatch({ type: "nameFailed", failure: failureOf(failure) });
        throw failure;
      }
      dispatch({ type: "named", ...context(state.surface) });
    },
    submit: (details) => dispatch({ type: "submit", details }),
    paid: (order) => dispatch({ type: "paid", order }),
    buyAgain: () => dispatch({ type: "buyAgain", ...context(state.surface) }),
    close: () => dispatch({ type: "close" }),
    savedDetails: loadSaved,
    viewerName: () => (viewerName.viewer ? viewerName.viewer.display_name : null),
  });

  /**
   * What the machine needs to know about the page when a Buy may be sent.
   * @param {Surface | null} surface
   */
  function context(surface) {
    return {
      phone: PHONE.matches,
      hasOffer: Boolean(surface && surface.offer().pin),
      requestId: newRequestId(),
      replayOffsetMs: replayOffset(),
    };
  }

  /**
   * Run `event` through the machine, show the new state, carry out the effects.
   * @param {Event} event
   */
  function dispatch(event) {
    const before = state;
    const outcome = transition(state, event);
    state = outcome.state;
    render(before);
    for (const effect of outcome.effects) {
      perform(effect);
    }
  }

  /** @param {State} before */
  function render(before) {
    if (state.step === "closed") {
      shownScreen = state.screen;
      stopClock();
      sheet.close();
      return;
    }
    if (state.screen !== shownScreen) {
      shownScreen = state.screen;
      const screen = state.screen;
      screens.show(state, () => state.screen === screen).then(tick);
    }
    if (state.sheetError !== before.sheetError) {
      sheet.showError(state.sheetError ? state.sheetError.text : "");
    }
    if (state.busy !== before.busy) {
      screens.offerMoved(state);
    }
    if (state.placing !== before.placing) {
      screens.formBusy(state.placing);
    }
    tick();
  }

  /**
   * @param {Effect} effect
   */
  function perform(effect) {
    switch (effect.type) {
      case "reserve":
        return reserve(effect);
      case "loadSaved":
        loadSaved();
        return undefined;
      case "cancelHold":
        cancelCheckout(effect.checkoutId); // give the held stock back to the room
        return undefined;
      case "placeOrder":
        placeOrder(effect.checkoutId, effect.details).then(
          (result) => dispatch({ type: "ordered", order: result.order, payment: result.payment }),
          (failure) => dispatch({ type: "orderFailed", failure: failureOf(failure) }),
        );
        return undefined;
      case "surfaceBusy":
        return effect.surface.setBusy(effect.busy);
      case "surfaceError":
        return effect.surface.setError(effect.failure ? effect.failure.text : "");
      case "surfaceResume":
        return effect.surface.setResume(effect.choice);
      case "formError":
        return screens.formError(effect.failure);
      default:
        return undefined;
    }
  }

  /**
   * Send Buy now. The pin on screen lets the server price a flash sale that has
   * just started; a bag product that is not pinned has none (its regular price).
   * @param {Extract<Effect, {type: "reserve"}>} effect
   */
  async function reserve({ surface, choice, requestId, replayOffsetMs }) {
    const onScreen = surface.offer().pin;
    const pinId = onScreen && Number.isInteger(onScreen.id) ? onScreen.id : undefined;
    try {
      // A surface that already holds the unit (an auction won) hands over its checkout.
      const { checkout, skewMs } = surface.claim
        ? await surface.claim()
        : await buyNow(showId, { ...choice, pinId, requestId, replayOffsetMs });
      dispatch({ type: "reserved", checkout, skewMs });
    } catch (failure) {
      dispatch({ type: "reserveFailed", failure: failureOf(failure, { tryAgain: true }) });
    }
  }

  /** This browser's last order's email, name and address (null for a first purchase). */
  function loadSaved() {
    if (!saved) {
      saved = fetchCheckoutDetails().catch(() => null); // the form just starts empty
    }
    return saved;
  }

  // ---- The hold's countdown -----------------------------------------------------

  function tick() {
    const session = state.session;
    const holding = session && (state.step === "details" || state.step === "pay");
    sheet.timer.hidden = !holding;
    if (!session || !holding) {
      stopClock();
      return;
    }
    if (!clock) {
      clock = setInterval(tick, 1000);
    }
    const left = session.checkout.expires_at * 1000 + session.skewMs - Date.now();
    sheet.timer.dataset.expired = String(left <= 0);
    if (left > 0) {
      setText(sheet.timer, "checkout.held_for", { time: formatDuration(left) });
    } else if (state.step === "details") {
      queueMicrotask(() => dispatch({ type: "holdEnded" }));
    } else {
      setText(sheet.timer, "checkout.hold_ended");
    }
  }

  function stopClock() {
    if (clock) {
      clearInterval(clock);
    }
    clock = null;
  }

  sheet.closeButton.addEventListener("click", () => dispatch({ type: "close" }));
  sheet.dialog.addEventListener("cancel", (event) => {
    event.preventDefault(); // Escape: our close, which also releases the hold
    dispatch({ type: "close" });
  });
  sheet.dialog.addEventListener("click", (event) => {
    if (event.target === sheet.dialog) {
      dispatch({ type: "dismiss" }); // a tap beside the sheet, unless a form is being filled in
    }
  });
  window.addEventListener("pagehide", () => dispatch({ type: "pageHide" }));
  onLanguageChange(() => {
    if (sheet.dialog.open) {
      const screen = state.screen;
      screens.relabel(state, () => state.screen === screen);
    }
  });

  /**
   * Buy now was pressed on `from` with `choice`.
   * @param {Choice} choice
   * @param {Surface | null} from
   * @param {{fromSheet?: boolean}} [options]
   */
  function start(choice, from, { fromSheet = false } = {}) {
    if (!from) {
      return;
    }
    dispatch({ type: "buy", choice, surface: from, fromSheet, named: Boolean(viewerName.viewer), ...context(from) });
  }

  return {
    start,
    /** The pin or stock changed: the phone's choice step follows (closed if the product left). */
    offerChanged() {
      const surface = state.surface;
      dispatch({ type: "offerChanged", hasOffer: Boolean(surface && surface.offer().pin) });
      screens.offerMoved(state);
    },
  };
}
