// One show in the console: its stream key, the embedded studio (the host
// page) for going live, recording and replay, the bag, and the room.
import { createBagPicker } from "./bag-picker.js";
import { notify, showError } from "./console-notice.js";
import { drawReplaySettings, enterReplaySettings } from "./console-replay.js";
import { relabelRoom, setBag, startRoom, stopRoom } from "./console-room.js";
import { statusBadge } from "./console-shows.js";
import { $, el } from "./dom.js";
import { errorText, get, post, put } from "./http.js";
import { setText } from "./i18n.js";
import { knownKey, rememberKey, takeRevealedKey } from "./stream-keys.js";

let show = null;
let picker = null;

function revealKey(key) {
  $("key-box").hidden = !key;
  $("key-value").value = key || "";
}

function drawStatus() {
  const badge = statusBadge(show.status, show.live);
  const target = $("room-state");
  target.dataset.state = badge.dataset.state;
  setText(target, badge.dataset.i18n);
}

function applyShow(update) {
  show = { ...show, ...update };
  $("room-title").textContent = show.title; // text, never markup
  $("room-end").hidden = show.status === "ended";
  drawStatus();
  drawReplaySettings(show);
}

let endArmedUntil = 0;

/** End the show: a second click within a few seconds confirms (no blocking dialog). */
async function endShow() {
  if (!show) {
    return;
  }
  if (Date.now() > endArmedUntil) {
    endArmedUntil = Date.now() + 4000;
    setText($("room-end"), "room.end_confirm");
    setTimeout(() => setText($("room-end"), "room.end"), 4000);
    return;
  }
  endArmedUntil = 0;
  try {
    applyShow(await post(`/api/shows/${encodeURIComponent(show.id)}/end`));
    closeStudio();
  } catch (error) {
    showError($("room-error"), errorText(error));
  }
  setText($("room-end"), "room.end");
}

function closeStudio() {
  const frame = $("studio").querySelector("iframe");
  if (frame) {
    frame.remove(); // the host page drops its connection; the show stays live a while
  }
  $("open-studio").hidden = false;
  $("studio").querySelector("p").hidden = false;
}

function openStudio() {
  const key = knownKey(show.id);
  // The key rides in the fragment, which never reaches a server; the host page
  // also finds it in this tab's sessionStorage.
  const src = `/host/${encodeURIComponent(show.id)}${key ? `#key=${encodeURIComponent(key)}` : ""}`;
  const frame = el("iframe", {
    src,
    title: show.title,
    className: "studio-iframe",
    attrs: { allow: "camera; microphone; autoplay; display-capture" },
  });
  $("open-studio").hidden = true;
  $("studio").querySelector("p").hidden = true;
  $("studio").append(frame);
}

async function loadShow(showId) {
  const body = await get(`/api/shows/${encodeURIComponent(showId)}`);
  return body.show || body;
}

async function enter(showId) {
  closeStudio();
  revealKey(takeRevealedKey(showId));
  showError($("room-error"), "");
  try {
    show = await loadShow(showId);
  } catch (error) {
    show = null;
    showError($("room-error"), errorText(error));
    return;
  }
  if (!location.pathname.endsWith(`/${encodeURIComponent(showId)}`)) {
    return; // the creator moved on while the show loaded
  }
  applyShow({});
  enterReplaySettings(show, { onUpdate: applyShow });
  $("room-watch").href = `/watch/${encodeURIComponent(show.id)}`;
  $("room-analytics").href = `/console/shows/${encodeURIComponent(show.id)}/analytics`;
  startRoom(show, { onShow: applyShow });
}

function leave() {
  stopRoom();
  closeStudio();
  revealKey(null);
}

$("open-studio").addEventListener("click", openStudio);
$("room-end").addEventListener("click", endShow);
$("key-copy").addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText($("key-value").value);
    notify("key.copied");
  } catch (_denied) {
    $("key-value").select(); // the creator can copy it by hand
  }
});
$("key-rotate").addEventListener("click", async () => {
  if (!show) {
    return;
  }
  try {
    const body = await post(`/api/shows/${encodeURIComponent(show.id)}/stream-key`);
    rememberKey(show.id, body.stream_key);
    revealKey(takeRevealedKey(show.id));
    notify("key.rotated");
  } catch (error) {
    showError($("room-error"), errorText(error));
  }
});
document.querySelector("#view-show .bag-edit").addEventListener("toggle", async (event) => {
  if (!event.target.open || !show) {
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
    await put(`/api/shows/${encodeURIComponent(show.id)}/products`, { product_ids: picker.selected() });
    show = await loadShow(show.id);
    setBag(show.products || []);
    document.querySelector("#view-show .bag-edit").open = false;
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
