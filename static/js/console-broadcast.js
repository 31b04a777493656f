// The console's one broadcast. It lives with the console page, not with a
// view: moving between console pages keeps the show on air. Leaving the
// console, reloading or logging out while live asks first; after a reload
// this tab carries on broadcasting by itself.
import { Broadcaster, rememberedBroadcast } from "./broadcaster.js";
import { confirmDialog } from "./confirm-dialog.js";
import { get } from "./http.js";
import { knownKey } from "./stream-keys.js";

export const broadcaster = new Broadcaster();

const titles = new Map(); // show id -> title, for the on-air dock

/** Remember a show's title (the dock names the show on air). */
export function rememberTitle(show) {
  titles.set(show.id, show.title);
}

/** The title of a show seen in this console, or "". */
export function titleOf(showId) {
  return titles.get(showId) || "";
}

/** Go live with `show` from this console, with the key this tab knows or `pastedKey`. */
export function goLive(show, pastedKey = "") {
  rememberTitle(show);
  broadcaster.start(show.id, pastedKey || knownKey(show.id));
}

/** A key rotated in this tab: a broadcast of that show reconnects with it. */
export function useRotatedKey(showId, key) {
  broadcaster.useKey(showId, key);
}

/**
 * After a reload: if this tab was broadcasting a show that is not over and
 * knows its key, publish again by itself (the server may answer
 * publisher_exists until the old connection times out; the broadcaster retries).
 */
export async function resumeBroadcast() {
  const saved = rememberedBroadcast();
  if (!saved || broadcaster.onAir()) {
    return;
  }
  const key = knownKey(saved.showId);
  let show;
  try {
    const body = await get(`/api/shows/${encodeURIComponent(saved.showId)}`);
    show = body.show || body;
  } catch (_gone) {
    return; // not this creator's show any more, or the server is away: nothing to resume
  }
  if (show.status === "ended" || !key) {
    broadcaster.halt(); // also forgets the remembered broadcast
    return;
  }
  rememberTitle(show);
  broadcaster.start(show.id, key, { since: saved.since });
}

/** Before logging out: while live, ask; a yes stops the broadcast (the show itself stays on). */
export async function confirmSignOut() {
  if (!broadcaster.onAir()) {
    broadcaster.releaseCamera();
    return true;
  }
  const yes = await confirmDialog({ title: "leave.title", body: "leave.body", confirm: "leave.confirm" });
  if (yes) {
    broadcaster.halt();
    broadcaster.releaseCamera();
  }
  return yes;
}

window.addEventListener("beforeunload", (event) => {
  if (broadcaster.onAir()) {
    event.preventDefault(); // the browser asks before the broadcast drops
    event.returnValue = "";
  }
});
