// The checkout sheet's transition function, run by node's test runner over
// the page's own ES module (no browser: the machine touches no DOM).
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { initialState, transition } from "../../static/js/checkout/machine.js";

/** @typedef {import("../../static/js/checkout/types.js").State} State */
/** @typedef {import("../../static/js/checkout/types.js").Event} Event */
/** @typedef {import("../../static/js/checkout/types.js").Effect} Effect */

/** A surface stand-in: the machine only passes it on in effects. */
const card = { offer: () => ({ pin: { id: 1 } }), setBusy() {}, setError() {}, setResume() {} };
const bagRow = { offer: () => ({ pin: null }), setBusy() {}, setError() {}, setResume() {} };
const tee = { variantId: "v_m", quantity: 1 };
const checkout = { id: "co_1", expires_at: 2_000_000_000, lines: [], currency: "USD", total_minor: 2500 };
const order = { id: "o_1", status: "pending_payment" };

/** Freeze `value` all the way down: a transition that changes its input throws. */
function deepFreeze(value) {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) {
      deepFreeze(inner);
    }
  }
  return value;
}

let ids = 0;
/** What the page knows when an event may send a Buy (a fresh request id each time). */
function context({ phone = false, hasOffer = true, replayOffsetMs = null } = {}) {
  ids += 1;
  return { phone, hasOffer, requestId: `req-${ids}`, replayOffsetMs };
}

/**
 * Run `events` from `state`; the last outcome, and every effect on the way.
 * @param {State} state
 * @param {Event[]} events
 */
function run(state, ...events) {
  /** @type {Effect[]} */
  const effects = [];
  let current = state;
  for (const event of events) {
    const outcome = transition(deepFreeze(current), event);
    current = outcome.state;
    effects.push(...outcome.effects);
  }
  return { state: current, effects };
}

const buy = (choice = tee, surface = card, options = {}) => ({
  type: "buy",
  choice,
  surface,
  fromSheet: false,
  named: true,
  ...context(options),
  ...options,
});
const failure = (code, retryable = false) => ({ code, retryable, text: code, error: null });
const types = (effects) => effects.map((effect) => effect.type);

describe("buying on a laptop with a name", () => {
  test("Buy now holds the stock without opening the sheet, then the details, pay and done follow", () => {
    const pressed = run(initialState, buy());
    assert.equal(pressed.state.step, "closed");
    assert.equal(pressed.state.busy, true);
    assert.deepEqual(types(pressed.effects), ["surfaceError", "surfaceBusy", "loadSaved", "reserve"]);
    const reserve = pressed.effects.find((effect) => effect.type === "reserve");
    assert.equal(reserve.requestId, pressed.state.retry.requestId);
    assert.equal(reserve.surface, card);

    const held = run(pressed.state, { type: "reserved", checkout, skewMs: 0 });
    assert.equal(held.state.step, "details");
    assert.equal(held.state.busy, false);
    assert.equal(held.state.retry, null);
    assert.deepEqual(held.state.session.choice, tee);
    assert.deepEqual(held.effects, [{ type: "surfaceBusy", surface: card, busy: false }]);

    const sent = run(held.state, { type: "submit", details: { email: "mia@example.com" } });
    assert.equal(sent.state.placing, true);
    assert.deepEqual(sent.effects[1], { type: "placeOrder", checkoutId: "co_1", details: { email: "mia@example.com" } });
    assert.deepEqual(run(sent.state, { type: "submit", details: {} }).effects, [], "a second Enter sends nothing");

    const paying = run(sent.state, { type: "ordered", order, payment: { id: "p_1" } });
    assert.equal(paying.state.step, "pay");
    assert.equal(paying.state.placing, false);
    assert.ok(paying.state.screen > held.state.screen);

    const done = run(paying.state, { type: "paid", order: { ...order, status: "paid" } });
    assert.equal(done.state.step, "done");
    assert.equal(done.state.session.done, true);
    assert.deepEqual(done.effects, [{ type: "surfaceResume", surface: card, choice: null }]);

    const closed = run(done.state, { type: "close" });
    assert.equal(closed.state.step, "closed");
    assert.equal(closed.state.session, null);
    assert.ok(!types(closed.effects).includes("cancelHold"), "a paid order's stock is not given back");
  });

  test("closing before the order gives the hold back; closing while paying keeps the order to resume", () => {
    const held = run(initialState, buy(), { type: "reserved", checkout, skewMs: 0 });
    const closed = run(held.state, { type: "close" });
    assert.deepEqual(closed.effects, [
      { type: "cancelHold", checkoutId: "co_1" },
      { type: "surfaceResume", surface: card, choice: null },
    ]);
    assert.equal(closed.state.session, null);

    const paying = run(held.state, { type: "submit", details: {} }, { type: "ordered", order, payment: {} });
    const away = run(paying.state, { type: "close" });
    assert.deepEqual(away.effects, [{ type: "surfaceResume", surface: card, choice: tee }]);
    assert.equal(away.state.session.order, order);
    const back = run(away.state, buy({ variantId: "v_m", quantity: 2 }));
    assert.equal(back.state.step, "pay", "Buy now on the ordered variant carries on paying");
    assert.deepEqual(back.effects, []);
  });

  test("a tap beside the sheet leaves a form being filled in open", () => {
    const held = run(initialState, buy(), { type: "reserved", checkout, skewMs: 0 });
    assert.equal(run(held.state, { type: "dismiss" }).state.step, "details");
    const expired = run(held.state, { type: "holdEnded" });
    assert.equal(run(expired.state, { type: "dismiss" }).state.step, "closed");
  });

  test("leaving the page gives an unordered hold back and changes nothing else", () => {
    const held = run(initialState, buy(), { type: "reserved", checkout, skewMs: 0 });
    const gone = run(held.state, { type: "pageHide" });
    assert.equal(gone.state, held.state);
    assert.deepEqual(gone.effects, [{ type: "cancelHold", checkoutId: "co_1" }]);
  });
});

describe("a Buy whose answer was lost", () => {
  test("is sent again with its request id and replay moment; another choice gets a new one", () => {
    const first = run(initialState, buy(tee, card, { replayOffsetMs: 61_000 }));
    const lost = run(first.state, { type: "reserveFailed", failure: failure("network_error", true) });
    assert.ok(lost.state.retry, "kept for the next press");
    assert.deepEqual(lost.effects.at(-1), { type: "surfaceError", surface: card, failure: failure("network_error", true) });

    const again = run(lost.state, buy(tee, card, { replayOffsetMs: 75_000 }));
    const resent = again.effects.find((effect) => effect.type === "reserve");
    assert.equal(resent.requestId, first.state.retry.requestId);
    assert.equal(resent.replayOffsetMs, 61_000);

    const other = run(lost.state, buy({ variantId: "v_m", quantity: 2 }));
    assert.notEqual(other.effects.find((effect) => effect.type === "reserve").requestId, first.state.retry.requestId);
  });

  test("a refusal is final: the next press is a new request", () => {
    const first = run(initialState, buy());
    const refused = run(first.state, { type: "reserveFailed", failure: failure("out_of_stock") });
    assert.equal(refused.state.retry, null);
    const next = run(refused.state, buy());
    assert.notEqual(next.state.retry.requestId, first.state.retry.requestId);
  });
});

describe("a guest without a name", () => {
  test("is asked for one first; on a laptop the sheet closes and the Buy is sent", () => {
    const asked = run(initialState, buy(tee, card, { named: false }));
    assert.equal(asked.state.step, "name");
    assert.ok(!types(asked.effects).includes("reserve"));
    const named = run(asked.state, { type: "named", ...context() });
    assert.equal(named.state.step, "closed");
    assert.ok(types(named.effects).includes("reserve"));
  });

  test("on a phone the choose step comes back while the Buy is sent", () => {
    const asked = run(initialState, buy(tee, card, { named: false, fromSheet: true, phone: true }));
    const named = run(asked.state, { type: "named", ...context({ phone: true }) });
    assert.equal(named.state.step, "choose");
    assert.deepEqual(named.state.choice, tee);
    assert.ok(types(named.effects).includes("reserve"));
  });

  test("viewer_required from the server asks for the name and keeps the request id", () => {
    const first = run(initialState, buy());
    const asked = run(first.state, { type: "reserveFailed", failure: failure("viewer_required") });
    assert.equal(asked.state.step, "name");
    const named = run(asked.state, { type: "named", ...context() });
    assert.equal(named.effects.find((effect) => effect.type === "reserve").requestId, first.state.retry.requestId);
  });

  test("a refused name stays on the name step with the reason", () => {
    const asked = run(initialState, buy(tee, card, { named: false }));
    const refused = run(asked.state, { type: "nameFailed", failure: failure("name_taken") });
    assert.equal(refused.state.step, "name");
    assert.equal(refused.state.sheetError.code, "name_taken");
  });
});

describe("on a phone", () => {
  test("Buy now on the card opens the choose step; its own Buy now holds", () => {
    const opened = run(initialState, buy(tee, card, { phone: true }));
    assert.equal(opened.state.step, "choose");
    assert.ok(!types(opened.effects).includes("reserve"));
    const chosen = run(opened.state, buy({ variantId: "v_l", quantity: 2 }, card, { phone: true, fromSheet: true }));
    assert.equal(chosen.state.step, "choose");
    assert.deepEqual(chosen.effects.at(-1).choice, { variantId: "v_l", quantity: 2 });
  });

  test("a failed Buy shows on the sheet, not on the card under it", () => {
    const chosen = run(initialState, buy(tee, card, { phone: true }), buy(tee, card, { phone: true, fromSheet: true }));
    const refused = run(chosen.state, { type: "reserveFailed", failure: failure("per_buyer_limit") });
    assert.equal(refused.state.sheetError.code, "per_buyer_limit");
    assert.ok(!types(refused.effects).includes("surfaceError"));
  });

  test("the product leaving the screen closes the choose step; a product not offered opens nothing", () => {
    const opened = run(initialState, buy(tee, card, { phone: true }));
    assert.equal(run(opened.state, { type: "offerChanged", hasOffer: true }).state.step, "choose");
    assert.equal(run(opened.state, { type: "offerChanged", hasOffer: false }).state.step, "closed");
    const nothing = run(initialState, buy(tee, bagRow, { phone: true, hasOffer: false }));
    assert.equal(nothing.state.step, "closed");
    assert.equal(nothing.state.surface, bagRow);
  });
});

describe("the order step's failures", () => {
  const held = () => run(initialState, buy(), { type: "reserved", checkout, skewMs: 0 }, { type: "submit", details: {} });

  test("an expired hold offers to buy again, and buying again sends a new Buy", () => {
    const expired = run(held().state, { type: "orderFailed", failure: failure("checkout_expired") });
    assert.equal(expired.state.step, "expired");
    assert.equal(expired.state.session, null);
    assert.deepEqual(expired.state.choice, tee);
    const again = run(expired.state, { type: "buyAgain", ...context() });
    assert.ok(types(again.effects).includes("reserve"));
  });

  test("the hold's clock running out moves the details step, not the payment", () => {
    assert.equal(run(held().state, { type: "holdEnded" }).state.step, "expired");
    const paying = run(held().state, { type: "ordered", order, payment: {} });
    assert.equal(run(paying.state, { type: "holdEnded" }).state.step, "pay");
  });

  test("a name the server wants comes first, then the details again", () => {
    const asked = run(held().state, { type: "orderFailed", failure: failure("viewer_required") });
    assert.equal(asked.state.step, "name");
    assert.equal(run(asked.state, { type: "named", ...context() }).state.step, "details");
  });

  test("other refusals go to the form", () => {
    const refused = run(held().state, { type: "orderFailed", failure: failure("validation_failed") });
    assert.equal(refused.state.step, "details");
    assert.equal(refused.state.placing, false);
    assert.deepEqual(refused.effects, [{ type: "formError", failure: failure("validation_failed") }]);
  });
});
