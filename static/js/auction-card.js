// The show page's auction card: the product, the price and who leads, the
// clock (the server's end time shifted by this phone's offset, so every phone
// counts down alike), a quick bid at the next step, a private maximum, and
// "You're winning" / "Outbid" / the result. The winner is taken to pay.
import { fetchAuction, placeBid } from "./auction-api.js";
import { el } from "./dom.js";
import { formatDuration, formatMoney, parseMoney } from "./format.js";
import { onLanguageChange, setText, t } from "./i18n.js";
import { shopErrorText } from "./shop-errors.js";

const TICK_MS = 250;

/**
 * Mount the card in `container`. `productOf(id)` finds a product of the show's
 * bag (title, image); `onWon(auction, you)` opens the payment for the unit
 * this viewer won (or was offered as the next bidder).
 * @param {HTMLElement} container
 * @param {{showId: string, productOf: (id: string) => any, onWon: (auction: any, you: any) => void}} options
 */
export function createAuctionCard(container, { showId, productOf, onWon }) {
  let auction = null;
  let you = null; // {id, max_minor, leading, checkout_id} from the API: ours alone
  let offsetMs = 0; // the server's clock minus this device's
  let timer = null;
  let nodes = {};
  let busy = false;
  let error = "";
  let offered = ""; // the checkout we already took the viewer to
  let shownId = ""; // the auction on screen: only a new one slides in
  let draft = ""; // the maximum being typed: every bid redraws the card, not the typing

  /** The server's now on this device. */
  const serverNow = () => Date.now() + offsetMs;

  /** Take the auction and (when we read it ourselves) our part in it. */
  function apply(next, mine) {
    if (!next) {
      auction = null;
      render();
      return;
    }
    if (typeof next.server_now_ms === "number") {
      offsetMs = next.server_now_ms - Date.now();
    }
    if (!auction || auction.id !== next.id) {
      you = null;
      error = "";
      draft = "";
    }
    auction = next;
    if (mine !== undefined) {
      you = mine;
    }
    render();
    maybeWon();
  }

  /** Read the auction with our part (our maximum, our checkout) from the API. */
  async function refresh() {
    if (!auction) {
      return;
    }
    try {
      const body = await fetchAuction(showId, auction.id);
      apply(body.auction, body.you);
    } catch (_unreachable) {
      // the next event or tick tells again
    }
  }

  function mineId() {
    return you ? you.id : null;
  }

  function leading() {
    return Boolean(auction && auction.leader && auction.leader.id === mineId());
  }

  function maybeWon() {
    if (!auction || auction.status !== "closed" || !auction.buyer || auction.buyer.id !== mineId()) {
      return;
    }
    if (!you.checkout_id) {
      refresh(); // the event names the buyer; our checkout comes with our own read
      return;
    }
    if (offered !== you.checkout_id) {
      offered = you.checkout_id;
      onWon(auction, you);
    }
  }

  async function bid(amount, isMax) {
    if (busy || !auction) {
      return;
    }
    busy = true;
    error = "";
    render();
    try {
      const body = await placeBid(showId, auction.id, amount, isMax);
      busy = false;
      apply(body.auction, body.you);
    } catch (failure) {
      busy = false;
      error = bidErrorText(failure, auction.currency);
      render();
      refresh();
    }
  }

  function render() {
    clearInterval(timer);
    nodes = {};
    if (!auction || auction.status === "canceled") {
      container.replaceChildren();
      container.hidden = true;
      shownId = "";
      return;
    }
    const product = productOf(auction.product_id) || {};
    const image = product.images && product.images[0];
    const open = auction.status === "open";
    const body = el(
      "div",
      { className: "pin-body" },
      el("span", { className: "pin-flag auction-flag", textContent: t("auction.flag") }),
      product.title ? el("h2", { className: "pin-title", textContent: product.title }) : null,
    );
    nodes.price = el("p", { className: "auction-price" });
    nodes.clock = el("p", { className: "auction-clock", attrs: { role: "timer" } });
    nodes.state = el("p", { className: "auction-state", attrs: { "aria-live": "polite" } });
    body.append(nodes.price, nodes.clock, nodes.state);
    if (open) {
      body.append(bidControls());
    } else if (auction.buyer && auction.buyer.id === mineId() && you && you.checkout_id) {
      const pay = el("button", { type: "button", className: "primary auction-pay", textContent: t("auction.pay") });
      pay.addEventListener("click", () => onWon(auction, you));
      body.append(pay);
    }
    if (error) {
      body.append(el("p", { className: "auction-error", attrs: { role: "alert" }, textContent: error }));
    }
    const card = el(
      "article",
      {
        className: "pin-card auction-card",
        dataset: {
          auctionId: auction.id,
          status: auction.status,
          mine: mineState(),
          fresh: String(shownId !== auction.id), // each bid redraws it: no slide-in again
        },
      },
      image
        ? el("img", { className: "pin-image", src: image.url, alt: product.title || "" })
        : el("span", { className: "pin-image" }),
      body,
    );
    const typing = document.activeElement && document.activeElement.classList.contains("auction-max-input");
    container.replaceChildren(card);
    container.hidden = false;
    shownId = auction.id;
    const input = card.querySelector(".auction-max-input");
    if (typing && input instanceof HTMLInputElement) {
      input.focus(); // a bid from someone else must not take the keyboard away
    }
    draw();
    if (open) {
      timer = setInterval(draw, TICK_MS);
    }
  }

  /** "leading", "outbid", "won", "lost" or "" (not bidding): the card's colour and words. */
  function mineState() {
    if (!auction || !you || (you.max_minor === null && auction.buyer?.id !== you.id)) {
      return "";
    }
    if (auction.status === "closed") {
      return auction.buyer && auction.buyer.id === you.id ? "won" : "lost";
    }
    return leading() ? "leading" : "outbid";
  }

  function bidControls() {
    const currency = auction.currency;
    const quick = el("button", {
      type: "button",
      className: "primary auction-quick",
      disabled: busy || leading(),
      textContent: t("auction.bid", { amount: formatMoney(auction.min_bid_minor, currency) }),
    });
    quick.addEventListener("click", () => bid(auction.min_bid_minor, false));
    const input = el("input", {
      type: "text",
      inputMode: "decimal",
      className: "auction-max-input",
      placeholder: formatMoney(auction.min_bid_minor, currency),
      value: draft,
      attrs: { "aria-label": t("auction.max_label"), autocomplete: "off" },
    });
    input.addEventListener("input", () => {
      draft = input.value;
    });
    const set = el("button", { type: "submit", className: "secondary small", disabled: busy, textContent: t("auction.set_max") });
    const form = el("form", { className: "auction-max", noValidate: true }, input, set);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const amount = parseMoney(input.value, currency);
      if (amount === null) {
        error = t("auction.max_invalid");
        render();
        return;
      }
      draft = "";
      bid(amount, true);
    });
    return el("div", { className: "auction-actions" }, quick, form);
  }

  /** The parts that move with the clock or a language switch. */
  function draw() {
    if (!auction || !nodes.price) {
      return;
    }
    const currency = auction.currency;
    const price = formatMoney(auction.price_minor, currency);
    if (auction.leader) {
      setText(nodes.price, "auction.price_by", { price, name: auction.leader.name });
    } else {
      setText(nodes.price, "auction.starting", { price });
    }
    const now = serverNow();
    if (auction.status === "open" && now < auction.starts_at_ms) {
      setText(nodes.clock, "auction.starts_in", { time: formatDuration(auction.starts_at_ms - now) });
    } else if (auction.status === "open") {
      const left = Math.max(auction.ends_at_ms - now, 0);
      nodes.clock.dataset.hurry = String(left < 10_000);
      setText(nodes.clock, left > 0 ? "auction.ends_in" : "auction.closing", { time: formatDuration(left) });
    } else {
      setText(nodes.clock, "auction.closed");
    }
    drawState();
    if (auction.status === "open" && now >= auction.ends_at_ms + 1000 && !busy) {
      refresh(); // the result event is late: reading it closes the auction if need be
    }
  }

  function drawState() {
    const mine = mineState();
    const words = {
      leading: ["auction.winning", {}],
      outbid: ["auction.outbid", {}],
      won: ["auction.won", { price: formatMoney(auction.buyer_price_minor || auction.price_minor, auction.currency) }],
      lost: ["auction.lost", {}],
    }[mine];
    if (words) {
      setText(nodes.state, words[0], words[1]);
    } else if (auction.status === "closed" && auction.leader) {
      setText(nodes.state, "auction.sold_to", {
        name: auction.leader.name,
        price: formatMoney(auction.price_minor, auction.currency),
      });
    } else if (auction.status === "closed") {
      setText(nodes.state, "auction.no_bids");
    } else if (you && you.max_minor) {
      setText(nodes.state, "auction.your_max", { amount: formatMoney(you.max_minor, auction.currency) });
    } else {
      nodes.state.textContent = "";
    }
  }

  onLanguageChange(render);

  return {
    /** The room's snapshot or an `auction` event. */
    apply: (next) => apply(next, undefined),
    /** Our own read of the show's latest auction (with our part in it). */
    load: (body) => apply(body.auction, body.you),
    refresh,
    get current() {
      return auction;
    },
  };
}

/** A refused bid in words: too low says the least that counts now. */
function bidErrorText(failure, currency) {
  const details = (failure && failure.details) || {};
  if (failure && failure.code === "bid_too_low" && typeof details.min_bid_minor === "number") {
    return t("auction.too_low", { amount: formatMoney(details.min_bid_minor, currency) });
  }
  return shopErrorText(failure);
}
