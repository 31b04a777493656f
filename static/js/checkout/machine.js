// The checkout sheet's steps as a state machine: one pure function from
// (state, event) to the next state and the effects to carry out (hold the
// stock, place the order, give a hold back, tell the surface). It touches no
// DOM and no network, so node runs it as it is (tests/js/).

/** @typedef {import("./types.js").Choice} Choice */
/** @typedef {import("./types.js").Step} Step */
/** @typedef {import("./types.js").Session} Session */
/** @typedef {import("./types.js").AfterName} AfterName */
/** @typedef {import("./types.js").Failure} Failure */
/** @typedef {import("./types.js").State} State */
/** @typedef {import("./types.js").Context} Context */
/** @typedef {import("./types.js").Event} Event */
/** @typedef {import("./types.js").Effect} Effect */
/** @typedef {import("./types.js").Outcome} Outcome */

/** @type {State} */
export const initialState = Object.freeze({
  step: "closed",
  screen: 0,
  surface: null,
  choice: null,
  session: null,
  retry: null,
  afterName: null,
  busy: false,
  placing: false,
  sheetError: null,
});

/** Steps during which a tap beside the sheet does not close it (a form is being filled in). */
const KEEP_OPEN = new Set(["details", "pay"]);

/**
 * "variant:quantity": the same click sent again has the same key.
 * @param {Choice} choice
 */
export const choiceKey = (choice) => `${choice.variantId}:${choice.quantity}`;

/**
 * The next state and the effects of `event` in `state`. Pure: `state` is not changed.
 * @param {State} state
 * @param {Event} event
 * @returns {Outcome}
 */
export function transition(state, event) {
  switch (event.type) {
    case "buy":
      return buy(state, event);
    case "named":
      return afterName(state, event);
    case "buyAgain":
      return state.step === "expired" && state.choice ? resume(state, state.choice, event) : same(state);
    case "nameFailed":
      return same({ ...state, sheetError: event.failure });
    case "reserved":
      return reserved(state, event);
    case "reserveFailed":
      return reserveFailed(state, event.failure);
    case "submit":
      return submit(state, event.details);
    case "ordered":
      return ordered(state, event);
    case "orderFailed":
      return orderFailed(state, event.failure);
    case "paid":
      return paid(state, event.order);
    case "holdEnded":
      return same(state.step === "details" ? expire(state) : state);
    case "offerChanged":
      if (state.step !== "choose" || !state.surface) {
        return same(state);
      }
      return event.hasOffer ? same(state) : close(state); // the product left the screen
    case "close":
      return state.step === "closed" ? same(state) : close(state);
    case "dismiss":
      return state.step === "closed" || KEEP_OPEN.has(state.step) ? same(state) : close(state);
    case "pageHide":
      return { state, effects: releaseHold(state.session) };
    default:
      return same(state);
  }
}

/**
 * @param {State} state
 * @returns {Outcome}
 */
const same = (state) => ({ state, effects: [] });

/**
 * Show `step` (a new screen: the sheet's error goes).
 * @param {State} state
 * @param {Step} step
 * @param {Partial<State>} [changes]
 * @returns {State}
 */
function show(state, step, changes = {}) {
  return { ...state, ...changes, step, screen: state.screen + 1, sheetError: null };
}

/**
 * The hold of a session not yet ordered, given back to the room.
 * @param {Session | null} session
 * @returns {Effect[]}
 */
function releaseHold(session) {
  return session && !session.order ? [{ type: "cancelHold", checkoutId: session.checkout.id }] : [];
}

/**
 * Buy now on a surface (or on the phone's choose step, `fromSheet`).
 * @param {State} state
 * @param {Extract<Event, {type: "buy"}>} event
 * @returns {Outcome}
 */
function buy(state, event) {
  const { choice, surface } = event;
  const session = state.session;
  if (session && session.order && !session.done && session.choice.variantId === choice.variantId) {
    // Already ordered (its units are held, so the card may offer fewer now): carry on paying.
    return same(show(state, "pay"));
  }
  /** @type {Effect[]} */
  const effects = [];
  if (state.surface && state.surface !== surface) {
    effects.push({ type: "surfaceError", surface: state.surface, failure: null });
  }
  const next = { ...state, surface };
  if (!event.fromSheet && event.phone) {
    return { state: choose(next, choice, event.hasOffer), effects };
  }
  if (!event.named) {
    return { state: askName(next, { then: "reserve", choice }), effects };
  }
  const reserving = reserve(next, choice, event);
  return { state: reserving.state, effects: [...effects, ...reserving.effects] };
}

/**
 * The phone's variant and quantity step (only while the surface offers the product).
 * @param {State} state
 * @param {Choice} choice
 * @param {boolean} hasOffer
 * @returns {State}
 */
function choose(state, choice, hasOffer) {
  return hasOffer ? show(state, "choose", { choice }) : state;
}

/**
 * @param {State} state
 * @param {AfterName} then
 * @returns {State}
 */
function askName(state, then) {
  return show(state, "name", { afterName: then });
}

/**
 * The name is saved: buy what was chosen, or go back to the shipping details.
 * @param {State} state
 * @param {Context} context
 * @returns {Outcome}
 */
function afterName(state, context) {
  const then = state.afterName;
  if (state.step !== "name" || !then) {
    return same(state);
  }
  const next = { ...state, afterName: null };
  if (then.then === "details") {
    return next.session ? same(show(next, "details")) : same(next);
  }
  return resume(next, then.choice, context);
}

/**
 * Buy `choice` again (after the name step or an expired hold): from the
 * phone's choose step, else from the card with the sheet closed.
 * @param {State} state
 * @param {Choice} choice
 * @param {Context} context
 * @returns {Outcome}
 */
function resume(state, choice, context) {
  const before = context.phone ? same(choose(state, choice, context.hasOffer)) : close(state);
  const reserving = reserve(before.state, choice, context);
  return { state: reserving.state, effects: [...before.effects, ...reserving.effects] };
}

/**
 * Hold the stock: the effect that sends Buy now (a lost answer's request id again).
 * @param {State} state
 * @param {Choice} choice
 * @param {Context} context
 * @returns {Outcome}
 */
function reserve(state, choice, context) {
  const surface = state.surface;
  if (!surface) {
    return same(state);
  }
  const key = choiceKey(choice);
  const again = Boolean(state.retry && state.retry.key === key);
  // In the replay the price depends on the moment of the show: a retry keeps it.
  const retry =
    again && state.retry ? state.retry : { key, choice, requestId: context.requestId, replayOffsetMs: context.replayOffsetMs };
  return {
    state: { ...state, retry, busy: true, sheetError: null },
    effects: [
      { type: "surfaceError", surface, failure: null },
      { type: "surfaceBusy", surface, busy: true },
      { type: "loadSaved" }, // meanwhile: a returning buyer's details for the form
      { type: "reserve", surface, choice, requestId: retry.requestId, replayOffsetMs: retry.replayOffsetMs },
    ],
  };
}

/**
 * @param {State} state
 * @returns {Effect[]}
 */
const notBusy = (state) => (state.surface ? [{ type: "surfaceBusy", surface: state.surface, busy: false }] : []);

/**
 * The stock is held: the shipping details (also when the sheet was closed meanwhile).
 * @param {State} state
 * @param {Extract<Event, {type: "reserved"}>} event
 * @returns {Outcome}
 */
function reserved(state, { checkout, skewMs }) {
  const retry = state.retry;
  const surface = state.surface;
  if (!retry || !surface) {
    return same({ ...state, busy: false });
  }
  /** @type {Session} */
  const session = { key: retry.key, choice: retry.choice, surface, checkout, skewMs, order: null, payment: null, done: false };
  return { state: show({ ...state, busy: false, retry: null }, "details", { session }), effects: notBusy(state) };
}

/**
 * Buy now failed: a name first, or the reason on the sheet's choose step or the surface.
 * @param {State} state
 * @param {Failure} failure
 * @returns {Outcome}
 */
function reserveFailed(state, failure) {
  const idle = { ...state, busy: false };
  const effects = notBusy(state);
  const retry = state.retry;
  if (failure.code === "viewer_required" && retry) {
    // The same request id when the name is known: nothing was held.
    return { state: askName(idle, { then: "reserve", choice: retry.choice }), effects };
  }
  const next = failure.retryable ? idle : { ...idle, retry: null };
  if (state.step === "choose") {
    return { state: { ...next, sheetError: failure }, effects };
  }
  const surface = state.surface;
  return { state: next, effects: surface ? [...effects, { type: "surfaceError", surface, failure }] : effects };
}

/**
 * The shipping form is sent (a second Enter while the first is on its way does nothing).
 * @param {State} state
 * @param {Record<string, any>} details
 * @returns {Outcome}
 */
function submit(state, details) {
  if (state.placing || !state.session || state.step !== "details") {
    return same(state);
  }
  return {
    state: { ...state, placing: true },
    effects: [
      { type: "formError", failure: null },
      { type: "placeOrder", checkoutId: state.session.checkout.id, details },
    ],
  };
}

/**
 * The order is placed: on to the payment.
 * @param {State} state
 * @param {Extract<Event, {type: "ordered"}>} event
 * @returns {Outcome}
 */
function ordered(state, { order, payment }) {
  const idle = { ...state, placing: false };
  if (!idle.session) {
    return same(idle); // closed meanwhile: the hold was given back
  }
  return same(show(idle, "pay", { session: { ...idle.session, order, payment } }));
}

/**
 * @param {State} state
 * @param {Failure} failure
 * @returns {Outcome}
 */
function orderFailed(state, failure) {
  const idle = { ...state, placing: false };
  if (failure.code === "checkout_expired") {
    return same(expire(idle));
  }
  if (failure.code === "viewer_required") {
    return same(askName(idle, { then: "details" }));
  }
  return { state: idle, effects: [{ type: "formError", failure }] };
}

/**
 * Paid (or confirmed): the end, and the surface offers Buy now again.
 * @param {State} state
 * @param {any} order
 * @returns {Outcome}
 */
function paid(state, order) {
  const session = state.session;
  if (!session) {
    return same(state);
  }
  return {
    state: show(state, "done", { session: { ...session, order, done: true } }),
    effects: [{ type: "surfaceResume", surface: session.surface, choice: null }],
  };
}

/**
 * The hold ran out before the order (the server gave the stock back already).
 * @param {State} state
 * @returns {State}
 */
function expire(state) {
  const choice = state.session ? state.session.choice : null;
  return show(state, "expired", { session: null, choice });
}

/**
 * Close the sheet: an unordered hold goes back; an order waiting for payment
 * stays, and its surface offers to resume it.
 * @param {State} state
 * @returns {Outcome}
 */
function close(state) {
  let session = state.session;
  /** @type {Effect[]} */
  const effects = releaseHold(session);
  if (session && (!session.order || session.done)) {
    session = null;
  }
  if (session) {
    effects.push({ type: "surfaceResume", surface: session.surface, choice: session.choice });
  } else if (state.surface) {
    effects.push({ type: "surfaceResume", surface: state.surface, choice: null });
  }
  return { state: { ...state, step: "closed", session, afterName: null, sheetError: null }, effects };
}
