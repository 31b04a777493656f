// A show's recording and replay in the console: record it or not, flash-sale
// prices in the replay or not, and deleting the replay of an ended show.
import { notify, showError } from "./console-notice.js";
import { $ } from "./dom.js";
import { del, errorText, patch } from "./http.js";
import { setText } from "./i18n.js";

const CONFIRM_MS = 4000; // a second click within this deletes (no blocking dialog)
const enc = encodeURIComponent;

let show = null;
/** @type {(show: any) => void} */
let onShow = () => {};
let armedUntil = 0;
let disarmTimer = null;

/** Tick the boxes as the show says; recording means nothing once it has ended. */
export function drawReplaySettings(next) {
  // Room events carry a lighter show without these fields: keep what the boxes say then.
  show = { ...show, ...next };
  if (typeof next.record === "boolean") {
    $("show-record", HTMLInputElement).checked = next.record;
  }
  if (typeof next.replay_flash_sales === "boolean") {
    $("show-replay-flash", HTMLInputElement).checked = next.replay_flash_sales;
  }
  $("show-record", HTMLInputElement).disabled = show.status === "ended";
}

/** Entering a show's view: its boxes, and Delete replay when it has one. */
export async function enterReplaySettings(next, { onUpdate }) {
  onShow = onUpdate;
  show = null; // another show's fields must not linger
  drawReplaySettings(next);
  disarm();
  showError($("replay-error"), "");
  $("replay-delete").hidden = !(next.status === "ended" && next.replay_available);
}

async function save(field, input) {
  if (!show) {
    return;
  }
  showError($("replay-error"), "");
  try {
    onShow(await patch(`/api/shows/${enc(show.id)}`, { [field]: input.checked }));
    notify("common.saved");
  } catch (error) {
    input.checked = !input.checked; // the server kept the old value
    showError($("replay-error"), errorText(error));
  }
}

function disarm() {
  armedUntil = 0;
  clearTimeout(disarmTimer);
  setText($("replay-delete"), "replay.delete");
}

async function deleteReplay() {
  if (!show) {
    return;
  }
  if (Date.now() > armedUntil) {
    armedUntil = Date.now() + CONFIRM_MS;
    setText($("replay-delete"), "replay.delete_confirm");
    disarmTimer = setTimeout(disarm, CONFIRM_MS);
    return;
  }
  disarm();
  try {
    await del(`/api/shows/${enc(show.id)}/replay`);
    $("replay-delete").hidden = true;
    notify("replay.deleted");
  } catch (error) {
    showError($("replay-error"), errorText(error));
  }
}

$("show-record").addEventListener("change", (event) => save("record", event.target));
$("show-replay-flash").addEventListener("change", (event) => save("replay_flash_sales", event.target));
$("replay-delete").addEventListener("click", deleteReplay);
