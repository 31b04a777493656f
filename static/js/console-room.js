// The show's room in the console: the bag with pin/unpin and flash sales,
// the pinned card with its stock, live chat with moderation, slow mode,
// viewers and likes, and the show's orders as they come in.
import { createChatCompose } from "./chat-compose.js";
import { createConsoleAuction } from "./console-auction.js";
import { createChatView } from "./chat-view.js";
import { notify, showError } from "./console-notice.js";
import { relabelRoomOrders, roomOrdersChanged, startRoomOrders, stopRoomOrders } from "./console-orders.js";
import { closeSaleForm, openSaleForm, setUpSaleForm } from "./console-sale.js";
import { $, el } from "./dom.js";
import { formatCount, formatMoney } from "./format.js";
import { giveawayButton, giveawayEvents, startGiveaways, stopGiveaways } from "./giveaway-console.js";
import { errorText, post, put } from "./http.js";
import { setText, t } from "./i18n.js";
import { moderationActions } from "./moderation.js";
import { createPinCard, priceInfo } from "./pin-card.js";
import { chatEvents, roomEventDispatcher } from "./room-events.js";
import { RoomSocket } from "./room-socket.js";

const card = createPinCard($("room-pin"));
let current = null; // {show, bag, room, counts}
const auction = createConsoleAuction($("room-auction"), { showId: () => (current ? current.show.id : null) });

function base() {
  return `/api/shows/${encodeURIComponent(current.show.id)}`;
}

/** Show (or clear) a problem under the bag; `code` lets it go once it stops being true. */
function report(text, code = "") {
  showError($("room-error"), text);
  if (current) {
    current.errorCode = text ? code : "";
  }
}

function live() {
  return Boolean(current && current.show.status === "live");
}

// Moderation buttons need the show id, known once a room starts.
const chat = createChatView($("chat"), {
  actionsFor: (message) =>
    current
      ? moderationActions(current.show.id, {
          can: () => "creator",
          report: (text) => showError($("chat-hint"), text),
        })(message)
      : [],
});

const compose = createChatCompose({
  form: $("chat-form"),
  input: $("chat-input"),
  button: $("chat-send"),
  error: $("chat-error"),
  hint: $("chat-hint"),
  send: (text) => Boolean(current && current.room.send({ type: "chat", text })),
});

/** Pin `product` (with `flashSale` settings, or none); resolves null, or the error. */
async function pin(product, flashSale) {
  report("");
  try {
    const body = flashSale ? { product_id: product.id, flash_sale: flashSale } : { product_id: product.id };
    const result = await post(`${base()}/pin`, body);
    if (result && result.pin) {
      card.show(result.pin); // the room's own `pin` event follows
      drawBag();
    }
    return null;
  } catch (error) {
    return error;
  }
}

async function unpin() {
  report("");
  try {
    await post(`${base()}/unpin`);
    card.hide();
    drawBag();
  } catch (error) {
    report(errorText(error), error.code);
  }
}

function bagRow(product) {
  const pinned = card.current && card.current.product && card.current.product.id === product.id;
  const price = priceInfo(product);
  const image = product.images && product.images[0];
  const pinButton = el("button", {
    type: "button",
    className: pinned ? "secondary small" : "primary small",
    textContent: t(pinned ? "room.unpin" : "room.pin"),
    dataset: { action: pinned ? "unpin" : "pin" },
    attrs: { "aria-label": t(pinned ? "room.unpin_label" : "room.pin_label", { title: product.title }) },
  });
  pinButton.addEventListener("click", async () => {
    pinButton.disabled = true;
    if (pinned) {
      await unpin();
    } else {
      const error = await pin(product, null);
      if (error) {
        report(errorText(error), error.code);
      }
    }
    pinButton.disabled = false;
  });
  const saleButton = el("button", {
    type: "button",
    className: "secondary small",
    textContent: t("room.flash_sale"),
    dataset: { action: "sale" },
    attrs: { "aria-label": t("room.flash_sale_label", { title: product.title }) },
  });
  saleButton.addEventListener("click", () => openSaleForm(product));
  const auctionButton = el("button", {
    type: "button",
    className: "secondary small",
    textContent: t("auction_console.start"),
    dataset: { action: "auction" },
    attrs: { "aria-label": t("auction_console.start_label", { title: product.title }) },
  });
  auctionButton.addEventListener("click", () => auction.open(product));
  return el(
    "li",
    { className: pinned ? "row pinned" : "row", dataset: { id: product.id } },
    image ? el("img", { className: "thumb", src: image.url, alt: "" }) : el("span", { className: "thumb" }),
    el(
      "span",
      { className: "row-main" },
      el("strong", { textContent: product.title }),
      el("span", { className: "muted", textContent: price ? formatMoney(price.lowest, price.currency) : "" }),
    ),
    // Pins and flash sales work only while the show is live.
    live() ? el("span", { className: "row-actions" }, pinButton, saleButton, giveawayButton(product), auctionButton) : null,
  );
}

function drawBag() {
  if (!current) {
    return;
  }
  $("room-bag").replaceChildren(...current.bag.map(bagRow));
  if (!current.bag.length) {
    $("room-bag").append(el("li", { className: "muted", textContent: t("room.bag_empty") }));
  }
}

function drawCounts() {
  $("room-viewers").textContent = formatCount(current ? current.viewers : 0);
  $("room-likes").textContent = formatCount(current ? current.likes : 0);
}

/** The show as the room has it now: its card, counts, chat and slow mode. */
function applySnapshot(event) {
  current.onShow(event.show || {});
  if (event.pin) {
    card.show(event.pin);
    card.setStock(event.stock);
  } else {
    card.hide();
  }
  auction.apply(event.auction || null);
  current.viewers = event.viewers || 0;
  current.likes = event.likes || 0;
  $("slow-mode", HTMLSelectElement).value = String(event.slow_mode_seconds || 0);
  compose.configure({ slow_mode_seconds: 0, muted_until: null });
  drawCounts();
  drawBag();
}

const dispatch = roomEventDispatcher(chatEvents(chat, compose), {
  snapshot: applySnapshot,
  pin(event) {
    card.show(event.pin);
    drawBag();
  },
  unpin(event) {
    card.hide(event.pin_id);
    drawBag();
  },
  stock(event) {
    card.setStock(event);
    roomOrdersChanged(); // a hold, a payment or a refund moved the stock
  },
  sold_out: (event) => card.markSoldOut(event),
  auction: (event) => auction.apply(event.auction),
  purchase(event) {
    if (event.buyer && event.title) {
      notify("orders.bought", { name: event.buyer, title: event.title });
    }
    roomOrdersChanged();
  },
  like(event) {
    current.likes = event.total || 0;
    drawCounts();
  },
  viewers(event) {
    current.viewers = event.count || 0;
    drawCounts();
  },
  show(event) {
    current.onShow(event.show || {});
    if (typeof event.slow_mode_seconds === "number") {
      $("slow-mode", HTMLSelectElement).value = String(event.slow_mode_seconds);
    } else if (typeof (event.show || {}).slow_mode_seconds === "number") {
      $("slow-mode", HTMLSelectElement).value = String(event.show.slow_mode_seconds);
    }
  },
}, giveawayEvents);

/** @param {{type: string}} event */
function onEvent(event) {
  if (current) {
    dispatch(event); // a room being left says nothing more
  }
}

function onStatus(status) {
  setText($("room-status"), `room.${status}`);
  $("room-status").dataset.status = status;
}

/** Start the room of `show`; `onShow(update)` gets status changes. */
export function startRoom(show, { onShow }) {
  stopRoom();
  const room = new RoomSocket(show.id, { onEvent, onStatus });
  current = { show, bag: show.products || [], room, viewers: 0, likes: 0, onShow, errorCode: "" };
  card.hide();
  closeSaleForm();
  auction.close();
  auction.apply(null);
  report("");
  $("bag-hint").hidden = show.status !== "scheduled";
  drawBag();
  drawCounts();
  startGiveaways(show, $("room-pin"));
  room.connect();
  startRoomOrders(show.id);
}

/** The show changed (e.g. went live or ended): redraw what depends on its status. */
export function roomShowChanged(show) {
  if (!current || current.show.id !== show.id) {
    return;
  }
  const before = current.show.status;
  current.show = { ...current.show, ...show };
  const status = current.show.status;
  $("bag-hint").hidden = status !== "scheduled";
  if (status !== "live") {
    closeSaleForm();
    auction.close();
  } else if (current.errorCode === "show_not_live") {
    report(""); // "not live yet" is no longer true
  }
  if (status !== before) {
    drawBag();
  }
}

/** Replace the bag (after editing it). */
export function setBag(products) {
  if (current) {
    current.bag = products;
    drawBag();
  }
}

/** Leave the room (the view closes). */
export function stopRoom() {
  stopRoomOrders();
  stopGiveaways();
  if (current) {
    current.room.stop();
    current = null;
  }
}

/** Re-render formatted text after a language switch. */
export function relabelRoom() {
  drawBag();
  drawCounts();
  auction.relabel();
  relabelRoomOrders();
}

setUpSaleForm(pin);
$("slow-mode").addEventListener("change", async () => {
  if (!current) {
    return;
  }
  try {
    await put(`${base()}/slow-mode`, { seconds: Number($("slow-mode", HTMLSelectElement).value) });
  } catch (error) {
    showError($("chat-error"), errorText(error));
  }
});
