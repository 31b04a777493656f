// The auction calls: read the show's auction, bid, and (the creator) start and cancel.
import { get, post } from "./http.js";

const enc = encodeURIComponent;
const base = (showId) => `/api/shows/${enc(showId)}/auctions`;

/** `GET .../auctions/current` -> `{auction, you}` (auction null when the show has none). */
export const fetchCurrentAuction = (showId) => get(`${base(showId)}/current`);

/** `GET .../auctions/{id}` -> `{auction, you}`. */
export const fetchAuction = (showId, auctionId) => get(`${base(showId)}/${enc(auctionId)}`);

/** A bid (`isMax`: a private maximum that bids for us up to it) -> `{bid, auction, you}`. */
export const placeBid = (showId, auctionId, amountMinor, isMax) =>
  post(`${base(showId)}/${enc(auctionId)}/bids`, { amount_minor: amountMinor, max: isMax });

/** The creator starts an auction -> `{auction}`. */
export const startAuction = (showId, terms) => post(base(showId), terms);

/** The creator cancels an auction nobody bid on -> `{auction}`. */
export const cancelAuction = (showId, auctionId) => post(`${base(showId)}/${enc(auctionId)}/cancel`);

/** The checkout holding a won unit -> `{checkout}`. */
export const fetchCheckout = (checkoutId) => get(`/api/checkouts/${enc(checkoutId)}`);
