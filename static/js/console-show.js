// One show in the console: the live cockpit. Studio (preview and Go live),
// the bag with pins and flash sales, the show's orders, chat and the viewer
// count on one screen; End show, the share link, the stream key and the
// replay settings; before the show, how many will be reminded; controls only
// in the states where they work.
import { createBagPicker } from "./bag-picker.js";
import { broadcaster, rememberTitle, useRotatedKey } from "./console-broadcast.js";
import { notify, showError } from "./console-notice.js";
import { drawReplaySettings, enterReplaySettings } from "./console-replay.js";
import { relabelRoom, roomShowChanged, setBag, startRoom, stopRoom } from "./console-room.js";
import { statusBadge } from "./console-shows.js";
import { closeStudio, drawStudio } from "./console-studio.js";
import { askKeyRotation, confirmEndShow } from "./confirm-dialog.js";
import { $ } from "./dom.js";
import { errorText, get, post, put } from "./http.js";
import { setText } from "./i18n.js";
import { rememberKey, takeRevealedKey } from "./stream-keys.js";

const SHARE_CONFIRM_MS = 2500;
const enc = encodeURIComponent;

let show = null;
let picker = null;
let shareTimer = null;

function revealKey(key) {
  $("key-box").hidden = !key;
  $("key-value", HTMLInputElement).value = key || "";
}

function drawStatus() {
  // From the status alone: room events do not carry `live`, which would go stale.
  const badge = statusBadge(show.status, false);
  const target = $("room-state");
  target.dataset.state = badge.dataset.state;
  setText(target, badge.dataset.i18n);
}

/** An upcoming show's cockpit says how many will be reminded (only its creator may read it). */
async function drawReminders() {
  const note = $("room-reminders");
  note.hidden = true;
  if (!show || show.status !== "scheduled") {
    return;
  }
  const showId = show.id;
  try {
    const { reminders } = await get(`/api/shows/${enc(showId)}/reminder`);
    if (show && show.id === showId && show.status === "scheduled" && typeof reminders === "number") {
      setText(note, "remind.waiting", { count: reminders });
      note.dataset.count = String(reminders);
      note.hidden = false;
    }
  } catch (_unreadable) {
    // a count that cannot load is left out, as in the show list
  }
}

/** Merge `update` into the show and show only the controls that work in its state. */
function applyShow(update) {
  if (!show) {
    return;
  }
  const before = show.status;
  show = { ...show, ...update };
  const { status } = show;
  if (status === "ended" && before !== "ended") {
    $("replay-box", HTMLDetailsElement).open = true; // what is left to set once the show is over
  }
  $("room-title").textContent = show.title; // text, never markup
  $("view-show").dataset.status = status;
  drawStatus();
  // scheduled: Go live, no End show; live: End show, pins, flash sales, a new
  // key; ended: no studio, pins, flash sales or key (replay, orders remain).
  $("room-end").hidden = status !== "live";
  if (status !== "scheduled") {
    $("room-reminders").hidden = true; // nothing left to remind of
  }
  $("studio-card").hidden = status === "ended";
  $("bag-edit").hidden = status === "ended";
  // Only what this update says: the show loaded on entry still holds the replay
  // flags of then, and a room event must not undo a box the creator just ticked.
  drawReplaySettings(update);
  roomShowChanged(show);
  if (status === "ended") {
    closeStudio();
    if (broadcaster.showId === show.id && broadcaster.onAir()) {
      broadcaster.markEnded(); // ended elsewhere (another tab, or after a long absence)
    }
  } else {
    drawStudio(show);
  }
}

async function endShow() {
  if (!show || !(await confirmEndShow())) {
    return; // Cancel keeps it live
  }
  try {
    const ended = await post(`/api/shows/${enc(show.id)}/end`);
    if (broadcaster.showId === ended.id) {
      broadcaster.markEnded();
    }
    applyShow(ended);
  } catch (error) {
    showError($("cockpit-error"), errorText(error));
  }
}

/** Copy the show page's absolute address; say so on the button, or let the creator copy it by hand. */
async function copyShareLink() {
  if (!show) {
    return;
  }
  const url = new URL(`/watch/${enc(show.id)}`, location.origin).href;
  $("share-url", HTMLInputElement).value = url;
  try {
    await navigator.clipboard.writeText(url);
    $("share-box").hidden = true;
    setText($("room-share"), "share.copied");
    notify("share.copied_notice");
  } catch (_denied) {
    $("share-box").hidden = false;
    $("share-url", HTMLInputElement).select();
    notify("share.copy_by_hand");
  }
  clearTimeout(shareTimer);
  shareTimer = setTimeout(() => setText($("room-share"), "share.copy"), SHARE_CONFIRM_MS);
}

async function loadShow(showId) {
  const body = await get(`/api/shows/${enc(showId)}`);
  return body.show || body;
}

/**
 * Show the cockpit's controls, or only an error (no such show, or another creator's).
 * @param {boolean} usable
 * @param {{code: string} | null} [error]
 */
function drawCockpit(usable, error = null) {
  for (const id of ["cockpit-grid", "room-stats", "room-share", "room-watch", "room-analytics"]) {
    $(id).hidden = !usable;
  }
  if (!usable) {
    $("room-end").hidden = true;
    $("room-reminders").hidden = true;
    $("room-title").textContent = "";
    $("room-state").hidden = true;
  } else {
    $("room-state").hidden = false;
  }
  showError($("cockpit-error"), error ? errorText(error) : "");
}

async function enter(showId) {
  revealKey(takeRevealedKey(showId));
  showError($("room-error"), "");
  $("share-box").hidden = true;
  drawCockpit(false);
  let loaded;
  let me;
  try {
    [loaded, me] = await Promise.all([loadShow(showId), get("/api/auth/me")]);
  } catch (error) {
    show = null;
    drawCockpit(false, error);
    return;
  }
  if (location.pathname !== `/console/shows/${enc(showId)}`) {
    return; // the creator moved on while the show loaded
  }
  if (!loaded.creator || loaded.creator.id !== me.creator.id) {
    drawCockpit(false, { code: "not_owner" }); // someone else's show: nothing to run here
    return;
  }
  drawCockpit(true);
  show = loaded;
  rememberTitle(show);
  $("room-watch", HTMLAnchorElement).href = `/watch/${enc(show.id)}`;
  $("room-analytics", HTMLAnchorElement).href = `/console/shows/${enc(show.id)}/analytics`;
  $("replay-box", HTMLDetailsElement).open = show.status === "ended"; // what is left to set after the show
  startRoom(show, { onShow: applyShow });
  applyShow({});
  enterReplaySettings(show, { onUpdate: applyShow });
  drawReminders();
}

function leave() {
  stopRoom();
  closeStudio(); // the broadcast itself goes on: it belongs to the console
  revealKey(null);
  show = null;
}

$("room-end").addEventListener("click", endShow);
$("room-share").addEventListener("click", copyShareLink);
$("key-copy").addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText($("key-value", HTMLInputElement).value);
    notify("key.copied");
  } catch (_denied) {
    $("key-value", HTMLInputElement).select(); // the creator can copy it by hand
  }
});
$("key-rotate").addEventListener("click", async () => {
  if (!show) {
    return;
  }
  // While live, the creator chooses whether whoever broadcasts now is hung up too.
  const choice = show.status === "live" ? await askKeyRotation() : "key";
  if (choice === "cancel") {
    return;
  }
  const disconnect = choice === "key_and_disconnect";
  try {
    const body = await post(`/api/shows/${enc(show.id)}/stream-key`, { disconnect_publisher: disconnect });
    rememberKey(show.id, body.stream_key);
    // Our own broadcast (if it was the one hung up) comes back by itself with the new key.
    useRotatedKey(show.id, body.stream_key);
    revealKey(takeRevealedKey(show.id));
    applyShow({}); // the studio no longer asks for a key
    notify(body.publisher_disconnected ? "key.rotated_disconnected" : "key.rotated");
  } catch (error) {
    showError($("cockpit-error"), errorText(error));
  }
});
$("bag-edit").addEventListener("toggle", async () => {
  if (!$("bag-edit", HTMLDetailsElement).open || !show) {
    return;
  }
  try {
    const products = (await get("/api/products?status=active")).products || [];
    picker = createBagPicker($("room-bag-picker"), products, (show.products || []).map((p) => p.id));
  } catch (error) {
    showError($("room-error"), errorText(error));
  }
});
$("room-bag-save").addEventListener("click", async () => {
  if (!show || !picker) {
    return;
  }
  try {
    await put(`/api/shows/${enc(show.id)}/products`, { product_ids: picker.selected() });
    show = await loadShow(show.id);
    setBag(show.products || []);
    $("bag-edit", HTMLDetailsElement).open = false;
    notify("common.saved");
  } catch (error) {
    showError($("room-error"), errorText(error));
  }
});

export const showRoomView = {
  section: "view-show",
  enter,
  leave,
  relabel() {
    relabelRoom();
    if (picker) {
      picker.redraw();
    }
  },
};
