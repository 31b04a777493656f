// The shop's HTTP calls from the buyer's side: Buy now, the checkout form,
// the dummy gateway's card and second step, and orders.
import { del, exchange, get, jsonInit, post } from "./http.js";

const enc = encodeURIComponent;

/** A new purchase key (8-64 of A-Z a-z 0-9 _ -): a UUID, or random hex where randomUUID is missing. */
export function newRequestId() {
  if (typeof crypto.randomUUID === "function") {
    return crypto.randomUUID(); // secure contexts only (https, localhost)
  }
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * `POST /api/shows/{id}/buy` -> `{checkout, skewMs}`: `skewMs` is this device's
 * clock minus the server's (from the Date header), for the hold's countdown.
 * `replayOffsetMs`: bought while watching the replay, at this moment of the show.
 */
export async function buyNow(showId, { variantId, quantity, requestId, pinId, replayOffsetMs }) {
  const response = await exchange(
    `/api/shows/${enc(showId)}/buy`,
    jsonInit("POST", {
      variant_id: variantId,
      quantity,
      request_id: requestId,
      ...(Number.isInteger(pinId) ? { pin_id: pinId } : {}),
      ...(Number.isInteger(replayOffsetMs) ? { replay_offset_ms: replayOffsetMs } : {}),
    }),
  );
  const body = await response.json();
  const serverDate = Date.parse(response.headers.get("Date") || "");
  const skewMs = Number.isNaN(serverDate) ? 0 : Date.now() - serverDate;
  // The Date header has whole seconds: ignore what that alone explains.
  return { checkout: body.checkout, skewMs: Math.abs(skewMs) < 1500 ? 0 : skewMs };
}

/**
 * Give a checkout's held stock back (also when the page is closing); never rejects.
 * @param {string} checkoutId
 */
export function cancelCheckout(checkoutId) {
  return del(`/api/checkouts/${enc(checkoutId)}`, { keepalive: true }).catch(() => null);
}

/** `POST /api/checkouts/{id}/order` with the form -> `{order, payment}`. */
export const placeOrder = (checkoutId, details) => post(`/api/checkouts/${enc(checkoutId)}/order`, details);

/** Dummy gateway: pay with a test card -> `{order, payment}`; 402 card_declined. */
export const payWithCard = (paymentId, cardNumber) =>
  post(`/api/payments/dummy/${enc(paymentId)}/confirm`, { card_number: cardNumber });

/** Dummy gateway: the second step -> `{order, payment}`; refusing is a 402. */
export const authenticatePayment = (paymentId, approve) =>
  post(`/api/payments/dummy/${enc(paymentId)}/authenticate`, { approve });

/** This browser's last order's `{email, name, address, announce}`, or null (a first purchase). */
export const fetchCheckoutDetails = async () => (await get("/api/viewer/checkout-details")).details;

/** `GET /api/orders/{id}` -> `{order, payment}`. */
export const fetchOrder = (orderId) => get(`/api/orders/${enc(orderId)}`);

/** Ask the gateway how the payment stands (after Stripe) -> `{order, payment}`. */
export const refreshOrder = (orderId) => post(`/api/orders/${enc(orderId)}/refresh`);
