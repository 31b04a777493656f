// The show page: the show before, during and after the live (its replay when
// there is one); the video, the pinned product with Buy now, the show's bag,
// chat, hearts, share, purchases, viewer count, the show's giveaway and auction.
import { setUpAccountMenu } from "./account-menu.js";
import { fetchCheckout } from "./auction-api.js";
import { createAuctionCard } from "./auction-card.js";
import { showIdFromPath } from "./api.js";
import { createBagSheet } from "./bag-sheet.js";
import { mountBell } from "./bell.js";
import { get } from "./http.js";
import { createChatCompose } from "./chat-compose.js";
import { createChatView } from "./chat-view.js";
import { createCheckout } from "./checkout/sheet.js";
import { $ } from "./dom.js";
import { FollowButton } from "./follow-button.js";
import { formatCount, formatDateTime, formatDuration } from "./format.js";
import { createGiveawayCard } from "./giveaway-card.js";
import { addGiveawayChapters } from "./giveaway-replay.js";
import { initI18n, onLanguageChange, setText, t } from "./i18n.js";
import { createLikes } from "./likes.js";
import { moderationActions } from "./moderation.js";
import { createPinCard } from "./pin-card.js";
import { startPlayer } from "./player.js";
import { remindButton } from "./remind-button.js";
import { fetchReplay } from "./replay.js";
import { startReplay } from "./replay-page.js";
import { chatEvents, roomEventDispatcher } from "./room-events.js";
import { RoomSocket } from "./room-socket.js";
import { setUpShare } from "./share.js";
import { createToasts } from "./toast.js";
import { setUpViewerName } from "./viewer-name.js";

initI18n();
setUpAccountMenu(document.querySelector("header.bar"));
mountBell();
const showId = showIdFromPath();
let show = {};
let you = null;
let viewers = 0;
let clockSkew = 0; // local clock minus server clock, learnt from live pins
let replay = null; // the ended show's replay playing in the page, if any
let room = null; // opened once the show's state is known: a replay's room says so
let missing = false; // no such show: no room either
let giveawayCard = null; // made below, once the name form it shares exists

let follow = null; // the header's Follow button, once the show's creator is known
let remind = null; // "Remind me", made the first time the show is known to be upcoming
let checkout = null; // the buy-now sheet, made below with the name form it shares
const card = createPinCard($("pin"), { onBuy: (choice) => checkout.start(choice, card) });
const bag = createBagSheet({
  showId,
  button: $("bag-open"),
  count: $("bag-count"),
  checkout: { start: (choice, surface) => checkout.start(choice, surface) },
  pinned: () => (replay ? null : card.current), // the replay's bag sells at regular prices
});
const toasts = createToasts($("toasts"));
const auctions = createAuctionCard($("auction"), {
  showId,
  productOf: (id) => (show.products || []).find((product) => product.id === id),
  onWon: payForAuction,
});

/** The unit won (or offered as the next bidder) is held for us: pay for it in the sheet. */
function payForAuction(auction, mine) {
  checkout.start(
    { variantId: auction.variant_id, quantity: 1 },
    {
      offer: () => ({ pin: null }),
      setBusy: () => {},
      setError: () => {},
      setResume: () => {},
      claim: async () => ({ checkout: (await fetchCheckout(mine.checkout_id)).checkout, skewMs: 0 }),
    },
    { fromSheet: true },
  );
}
const chat = createChatView($("chat"), {
  actionsFor: moderationActions(showId, {
    can: () => (you && (you.role === "creator" || you.role === "moderator") ? you.role : null),
    report: (text) => {
      $("chat-hint").textContent = text;
    },
  }),
});
keepAtBottom($("chat"));
const compose = createChatCompose({
  form: $("chat-form"),
  input: $("chat-input"),
  button: $("chat-send"),
  error: $("chat-error"),
  hint: $("chat-hint"),
  send: (text) => Boolean(room && room.send({ type: "chat", text })),
});
const likes = createLikes({
  button: $("like"),
  counter: $("like-count"),
  layer: $("hearts"),
  send: (count) => Boolean(room && room.send({ type: "like", count })),
});
const player = startPlayer(showId, {
  onShow: applyShow,
  onOffline: renderStarts,
  onMissing: () => {
    missing = true; // nothing to chat about
    if (room) {
      room.stop();
    }
  },
});

/** The chat keeps its newest message in view when its box changes (toasts over a phone's video). */
function keepAtBottom(list) {
  let stick = true;
  list.addEventListener("scroll", () => {
    stick = list.scrollHeight - list.scrollTop - list.clientHeight < 48;
  });
  new ResizeObserver(() => {
    if (stick) {
      list.scrollTop = list.scrollHeight;
    }
  }).observe(list);
}

function openRoom(replaying) {
  if (room || missing) {
    return;
  }
  room = new RoomSocket(showId, { onEvent, onStatus, replay: replaying });
  room.connect();
}

const REPLAY_POLL_MS = 3000;
const REPLAY_POLL_TRIES = 20; // a recording is finished within seconds of the end

/** After the end: offer the replay once its recording is finished (checked for a minute). */
async function offerReplayWhenReady() {
  for (let attempt = 0; attempt < REPLAY_POLL_TRIES && !replay; attempt += 1) {
    try {
      const latest = await get(`/api/shows/${encodeURIComponent(showId)}`);
      if (latest.replay_available) {
        $("replay-offer").hidden = false;
        return;
      }
    } catch (_unreachable) {
      // try again at the next tick
    }
    await new Promise((resolve) => setTimeout(resolve, REPLAY_POLL_MS));
  }
}

async function switchToReplay() {
  $("replay-offer").hidden = true;
  const found = await fetchReplay(showId).catch(() => null);
  if (!found) {
    return;
  }
  card.hide();
  enterReplay(found);
  renderBagButton();
  if (room) {
    room.stop(); // the replay's viewers are counted apart: a new room connection says so
    room = null;
  }
  openRoom(true);
}

/** The page's first news of the show: an ended show plays its replay when it has one. */
async function openRoomFor(status) {
  let found = null;
  if (status === "ended" && !show.replay_available) {
    offerReplayWhenReady(); // ended a moment ago: its recording may still be closing
  } else if (status === "ended") {
    try {
      found = await fetchReplay(showId);
    } catch (_unreachable) {
      found = null; // the ended state stays; the room still has the chat
    }
  }
  if (found) {
    enterReplay(found);
  }
  openRoom(Boolean(found));
}

function enterReplay(data) {
  document.body.dataset.replay = "true";
  document.body.classList.remove("immersive"); // the replay's page scrolls, its controls stay clear
  $("player").hidden = true;
  $("message").hidden = true;
  $("like").hidden = true; // hearts are for the live
  $("chapters").hidden = !(data.chapters || []).length && !(data.auctions || []).length;
  setText($("state"), "badge.replay"); // its state stays "ended"
  replay = startReplay({
    replay: data,
    video: $("replay"),
    list: $("chapter-list"),
    card,
    onOfferChange: () => checkout.offerChanged(),
  });
  addGiveawayChapters({
    list: $("chapter-list"),
    section: $("chapters"),
    chapters: data.chapters || [],
    showId,
    seek: (offsetMs) => replay.seekTo(offsetMs),
  });
}

/** Merge what the API or the room says about the show into the page. */
function applyShow(update) {
  const wasLive = show.status === "live";
  const firstNews = !show.status && Boolean(update.status);
  show = { ...show, ...update };
  if (show.title) {
    $("title").textContent = show.title; // text, never markup
    delete $("title").dataset.i18n;
    document.querySelector("title")?.removeAttribute("data-i18n"); // the show's title now
    document.title = `${show.title} · livesale`;
  }
  if (show.cover_image_url) {
    $("player", HTMLVideoElement).poster = show.cover_image_url;
  }
  if (!follow && show.creator && show.creator.id) {
    follow = new FollowButton($("follow"), show.creator.id, { compact: true, askName: askForName });
    follow.refresh().catch(() => {}); // a follow button that could not load stays hidden
    const message = $("watch-message", HTMLAnchorElement);
    message.href = `/messages?to=${encodeURIComponent(show.creator.id)}`;
    message.hidden = false;
  }
  document.body.dataset.status = show.status || "";
  renderRemind();
  if (Array.isArray(update.products)) {
    bag.setProducts(update.products);
  }
  renderBagButton();
  if (show.status === "live" && !wasLive) {
    player.connectNow();
  }
  if (show.status === "live" && update.publisher === "reconnecting") {
    player.hostAway();
  } else if (show.status === "live" && update.publisher === "on_air") {
    player.hostBack();
  } else if (show.status === "ended" && !replay) {
    player.markEnded();
    if (wasLive) {
      offerReplayWhenReady();
    }
  }
  if (typeof show.slow_mode_seconds === "number") {
    compose.configure({ slow_mode_seconds: show.slow_mode_seconds });
  }
  renderStarts();
  if (firstNews) {
    openRoomFor(show.status);
  }
}

/** Before the live: "Remind me" under the countdown (a card's tap without a guest name lands here). */
function renderRemind() {
  const upcoming = show.status === "scheduled";
  if (upcoming && !remind) {
    remind = remindButton(showId, { needName: askForName });
    $("remind").replaceChildren(remind);
    if (location.hash === "#remind") {
      viewerName.ready.then(() => viewerName.viewer || askForName());
    }
  }
  $("remind").hidden = !upcoming;
}

/** Before the live: the scheduled start and a countdown over the cover. */
function renderStarts() {
  const at = show.scheduled_at;
  const waiting = show.status === "scheduled" && typeof at === "number";
  $("starts").hidden = !waiting;
  $("stage").dataset.waiting = String(waiting); // the countdown replaces the offline note
  if (!waiting) {
    return;
  }
  const left = at * 1000 - Date.now();
  if (left > 0) {
    setText($("countdown"), "watch.countdown", { time: formatDuration(left) });
  } else {
    setText($("countdown"), "watch.any_moment");
  }
  $("scheduled", HTMLTimeElement).dateTime = new Date(at * 1000).toISOString();
  $("scheduled").textContent = formatDateTime(at);
}

/** The bag is for sale before and during the live, and in the replay (not on an ended page without it). */
function renderBagButton() {
  const selling = show.status === "scheduled" || show.status === "live" || Boolean(replay);
  $("bag-open").hidden = !selling || $("bag-open").dataset.count === "0";
}

function renderViewers() {
  $("viewer-count").textContent = formatCount(viewers);
}

/** Flash-sale end times are server epoch seconds: shift them onto this device's clock. */
function localPin(pin) {
  if (!pin || !pin.flash_sale) {
    return pin;
  }
  return { ...pin, flash_sale: { ...pin.flash_sale, ends_at: pin.flash_sale.ends_at + clockSkew / 1000 } };
}

/** Who the room thinks we are (anonymous, viewer, moderator, creator), and all it knows now. */
function applySnapshot(event) {
  you = event.you || null;
  document.body.dataset.role = you ? you.role : "anonymous";
  applyShow(event.show || {});
  if (!replay) {
    // The replay's card follows the video, not the room.
    if (event.pin) {
      card.show(localPin(event.pin));
      card.setStock(event.stock);
    } else {
      card.hide();
    }
    bag.pinChanged();
  }
  bag.setStock(event.stock);
  checkout.offerChanged();
  auctions.apply(replay ? null : event.auction || null);
  if (auctions.current) {
    auctions.refresh(); // our own part (our maximum, a unit we won) and a fresh clock
  }
  viewers = event.viewers || 0;
  renderViewers();
  likes.reset(event.likes);
  likes.flush();
  compose.configure({
    slow_mode_seconds: event.slow_mode_seconds || 0,
    muted_until: you ? you.muted_until : null,
  });
  giveawayCard?.show(event.giveaway || null);
}

const onEvent = roomEventDispatcher(chatEvents(chat, compose), {
  snapshot: applySnapshot,
  pin(event) {
    if (replay) {
      return;
    }
    if (event.pin && typeof event.pin.pinned_at === "number") {
      // A live pin was made a moment ago: the difference is mostly clock skew.
      clockSkew = Date.now() - event.pin.pinned_at * 1000;
    }
    card.show(localPin(event.pin));
    bag.pinChanged();
    checkout.offerChanged();
  },
  unpin(event) {
    if (replay) {
      return;
    }
    card.hide(event.pin_id);
    bag.pinChanged();
    checkout.offerChanged();
  },
  stock(event) {
    card.setStock(event);
    bag.setStock(event);
    checkout.offerChanged();
  },
  sold_out(event) {
    card.markSoldOut(event);
    bag.markSoldOut(event);
    checkout.offerChanged();
  },
  purchase: announcePurchase,
  auction: (event) => auctions.apply(replay ? null : event.auction),
  like: (event) => likes.update(event.total, event.delta),
  viewers(event) {
    viewers = event.count || 0;
    renderViewers();
  },
  show(event) {
    applyShow(event.show || {});
    if (typeof event.slow_mode_seconds === "number") {
      compose.configure({ slow_mode_seconds: event.slow_mode_seconds });
    }
  },
  giveaway_started: (event) => giveawayCard?.show(event.giveaway),
  giveaway_entries: (event) => giveawayCard?.setCount(event),
  giveaway_closed: (event) => giveawayCard?.show(event.giveaway),
  giveaway_drawn: (event) => giveawayCard?.show(event.giveaway),
});

/** "Mia just bought Tee": names and titles are text, never markup. */
function announcePurchase(event) {
  if (!event.buyer || !event.title) {
    return;
  }
  const quantity = Number(event.quantity) || 1;
  const key = quantity > 1 ? "toast.bought_n" : "toast.bought";
  toasts.show(t(key, { name: event.buyer, title: event.title, n: quantity }));
}

/** A newcomer who taps Follow is asked for a name where the chat asks for one. */
function askForName() {
  $("name-input").focus();
  $("name-input").scrollIntoView({ block: "center" });
}

function onStatus(status) {
  const node = $("room-status");
  node.dataset.status = status;
  setText(node, `room.${status}`);
}

const viewerName = setUpViewerName({
  form: $("name-form"),
  input: $("name-input"),
  current: $("name-current"),
  changeButton: $("name-change"),
  error: $("chat-error"),
  onName: () => room && room.reconnectNow(), // the room learns our name on a new connection
  onChange: (viewer) => {
    $("chat-form").hidden = !viewer;
  },
});
giveawayCard = createGiveawayCard($("giveaway"), { showId, viewerName });
checkout = createCheckout({
  showId,
  viewerName,
  replayOffset: () => (replay ? replay.offsetMs() : null),
});
setUpShare({
  button: $("share"),
  note: $("share-note"),
  link: () => ({
    url: show.watch_url || `${location.origin}/watch/${encodeURIComponent(showId)}`,
    title: show.title || document.title,
  }),
});
onLanguageChange(() => {
  renderViewers();
  renderStarts();
  likes.refresh();
});
setInterval(renderStarts, 1000);

$("replay-offer").addEventListener("click", switchToReplay);
