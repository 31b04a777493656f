// The checkout machine's vocabulary: what is bought, where from, the steps,
// the state, and the events and effects of machine.js (JSDoc types only).

/**
 * What is bought: a variant and how many.
 * @typedef {{variantId: string, quantity: number}} Choice
 */

/**
 * Where a purchase starts (the pinned card or a bag row). Opaque to the machine:
 * it only passes the surface on in effects.
 * @typedef {object} Surface
 * @property {() => {pin: any}} offer
 * @property {(on: boolean) => void} setBusy
 * @property {(text: string) => void} setError
 * @property {(choice: Choice | null) => void} setResume
 * @property {() => Promise<{checkout: any, skewMs: number}>} [claim] a checkout already
 *   holding the unit (an auction won), used instead of Buy now
 */

/**
 * The sheet's steps: `closed`; `choose` (a phone's variant and quantity);
 * `name` (a display name first); `details` (shipping, while the stock is
 * held); `pay`; `done` (the confirmation); `expired` (the hold ran out).
 * @typedef {"closed" | "choose" | "name" | "details" | "pay" | "done" | "expired"} Step
 */

/**
 * A held checkout and what became of it.
 * @typedef {object} Session
 * @property {string} key the choice as "variant:quantity"
 * @property {Choice} choice
 * @property {Surface} surface where it was bought
 * @property {{id: string, expires_at: number} & Record<string, any>} checkout the server's checkout
 * @property {number} skewMs this device's clock minus the server's
 * @property {any} order the placed order (null before)
 * @property {any} payment its payment (null before)
 * @property {boolean} done paid or confirmed: the sheet shows the end
 */

/**
 * A Buy whose answer was lost, to send again as it was (same request id: the
 * server answers with the same checkout instead of holding twice).
 * @typedef {{key: string, choice: Choice, requestId: string, replayOffsetMs: number | null}} Retry
 */

/**
 * What the name step leads to: buying `choice` again, or the shipping details.
 * @typedef {{then: "reserve", choice: Choice} | {then: "details"}} AfterName
 */

/**
 * A failed call as the machine sees it: its stable code, whether it may be
 * sent again unchanged, and (for the page) its words and the error itself.
 * @typedef {{code: string, retryable: boolean, text: string, error: unknown}} Failure
 */

/**
 * @typedef {object} State
 * @property {Step} step
 * @property {number} screen counts the steps shown: the view rebuilds the sheet's body when it changes
 * @property {Surface | null} surface where the purchase being made was started
 * @property {Choice | null} choice what the choose or expired step offers
 * @property {Session | null} session
 * @property {Retry | null} retry
 * @property {AfterName | null} afterName
 * @property {boolean} busy a Buy now is waiting for the server
 * @property {boolean} placing the shipping form is on its way
 * @property {Failure | null} sheetError shown under the sheet's title
 */

/**
 * What the page knows when an event happens that may hold stock: whether it is a
 * phone (the choose step first), whether the surface still offers the product,
 * and a fresh request id and replay moment in case a new Buy is sent.
 * @typedef {{phone: boolean, hasOffer: boolean, requestId: string, replayOffsetMs: number | null}} Context
 */

/**
 * @typedef {(
 *   {type: "buy", choice: Choice, surface: Surface, fromSheet: boolean, named: boolean} & Context |
 *   {type: "named"} & Context |
 *   {type: "buyAgain"} & Context |
 *   {type: "nameFailed", failure: Failure} |
 *   {type: "reserved", checkout: Session["checkout"], skewMs: number} |
 *   {type: "reserveFailed", failure: Failure} |
 *   {type: "submit", details: Record<string, any>} |
 *   {type: "ordered", order: any, payment: any} |
 *   {type: "orderFailed", failure: Failure} |
 *   {type: "paid", order: any} |
 *   {type: "holdEnded"} |
 *   {type: "offerChanged", hasOffer: boolean} |
 *   {type: "close"} |
 *   {type: "dismiss"} |
 *   {type: "pageHide"}
 * )} Event
 */

/**
 * @typedef {(
 *   {type: "reserve", surface: Surface, choice: Choice, requestId: string, replayOffsetMs: number | null} |
 *   {type: "loadSaved"} |
 *   {type: "cancelHold", checkoutId: string} |
 *   {type: "placeOrder", checkoutId: string, details: Record<string, any>} |
 *   {type: "surfaceBusy", surface: Surface, busy: boolean} |
 *   {type: "surfaceError", surface: Surface, failure: Failure | null} |
 *   {type: "surfaceResume", surface: Surface, choice: Choice | null} |
 *   {type: "formError", failure: Failure | null}
 * )} Effect
 */

/** @typedef {{state: State, effects: Effect[]}} Outcome */

export {};
