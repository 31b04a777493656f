// The viewer's page: play the show over WHEP, wait while it is offline,
// and reconnect on its own when the connection breaks.
import { $, fetchShow, showIdFromPath } from "./api.js";
import { WhepClient } from "./whep.js";

const showId = showIdFromPath();
const player = $("player");
const badge = $("state");
const message = $("message");
const unmute = $("unmute");

const OFFLINE_POLL_MS = 3000; // how often to ask whether the show went live
const STALL_MS = 5000; // no new video frame for this long: look into it
const DISCONNECT_GRACE_MS = 5000; // ICE "disconnected" often recovers by itself
const MAX_BACKOFF_MS = 15000;

const OFFLINE_NOTE = "The show is offline — we'll start playing when it goes live";
const DROPPED_NOTE = "The creator's connection dropped — we'll keep playing when they're back";
const ENDED_NOTE = "This show has ended. Thanks for watching!";

let client = null;
let busy = false; // a connect attempt is in flight
let failures = 0; // consecutive failed attempts, for the backoff
let showEnded = false;
let nextTimer = null;
let graceTimer = null;
let lastCount = -1; // decoded video frames (or audio packets) at the last heartbeat
let lastProgressAt = 0;
let lastOfflineAt = 0; // when the API last said the publisher was away
let lastCheckAt = 0;

function setState(state, text, note) {
  badge.dataset.state = state;
  badge.textContent = text;
  message.textContent = note || "";
  message.hidden = !note;
}

function setTitle(show) {
  if (show && show.title) {
    $("title").textContent = show.title; // text, never markup
    document.title = `${show.title} · livesale`;
  }
}

function schedule(delay) {
  clearTimeout(nextTimer);
  nextTimer = setTimeout(connect, delay);
}

function backoff() {
  return Math.min(1000 * 2 ** Math.min(failures, 4), MAX_BACKOFF_MS);
}

function markEnded() {
  showEnded = true;
  teardown(false); // the server already ended every session of the show
  setState("offline", "ENDED", ENDED_NOTE);
}

/** Ask the API about the show; connect over WHEP when it is live. */
async function connect() {
  if (busy || client || showEnded) {
    return;
  }
  busy = true;
  try {
    const show = await fetchShow(showId);
    setTitle(show);
    if (show.status === "ended") {
      markEnded();
      return;
    }
    if (!show.live) {
      setState("offline", "OFFLINE", OFFLINE_NOTE);
      schedule(OFFLINE_POLL_MS);
      return;
    }
    setState("connecting", "CONNECTING", "Connecting…");
    const attempt = new WhepClient();
    attempt.onstatechange = (state) => onConnectionState(attempt, state);
    client = attempt;
    const stream = await attempt.view(`/whep/${encodeURIComponent(showId)}`);
    if (client !== attempt) {
      return; // torn down meanwhile
    }
    lastCount = -1;
    lastProgressAt = Date.now();
    attach(stream);
  } catch (error) {
    teardown(false);
    if (error.code === "show_not_live") {
      setState("offline", "OFFLINE", OFFLINE_NOTE);
      schedule(OFFLINE_POLL_MS);
    } else if (error.code === "show_ended") {
      markEnded();
    } else if (error.code === "show_not_found" || error.code === "not_found") {
      setState("offline", "OFFLINE", "There is no such show.");
    } else {
      failures += 1;
      setState("connecting", "RETRYING", `Could not connect (${error.message}). Retrying…`);
      schedule(backoff());
    }
  } finally {
    busy = false;
  }
}

function attach(stream) {
  player.srcObject = stream;
  play();
}

function play() {
  player.play().catch(() => {
    if (!player.muted) {
      // Sound without a gesture was refused: play muted and offer the button.
      player.muted = true;
      player.play().catch(() => setState("connecting", "PAUSED", "Tap the video to play"));
    } else {
      setState("connecting", "PAUSED", "Tap the video to play");
    }
  });
}

function onConnectionState(attempt, state) {
  if (attempt !== client) {
    return;
  }
  clearTimeout(graceTimer);
  if (state === "failed" || state === "closed") {
    reconnect("The connection was lost. Reconnecting…", false);
  } else if (state === "disconnected") {
    graceTimer = setTimeout(() => {
      if (client === attempt && attempt.pc && attempt.pc.connectionState !== "connected") {
        reconnect("The connection was lost. Reconnecting…", false);
      }
    }, DISCONNECT_GRACE_MS);
  }
}

/** End the current session; `release` also DELETEs it on the server. */
function teardown(release) {
  clearTimeout(graceTimer);
  const current = client;
  client = null;
  if (current) {
    if (release) {
      current.stop();
    } else {
      current.close();
    }
  }
  if (player.srcObject) {
    player.srcObject = null;
  }
  lastCount = -1;
  unmute.hidden = true;
}

/**
 * Start over after a backoff. A broken connection is only closed (the server
 * drops sessions whose peer went away); a live but stalled one is DELETEd.
 */
function reconnect(note, release) {
  teardown(release);
  failures += 1;
  setState("connecting", "RECONNECTING", note);
  schedule(backoff());
}

/** Frames decoded so far (audio packets when the show has no video). */
async function progressCount(pc) {
  let frames = 0;
  let packets = 0;
  const stats = await pc.getStats();
  stats.forEach((report) => {
    if (report.type === "inbound-rtp" && report.kind === "video") {
      frames += report.framesDecoded || 0;
    } else if (report.type === "inbound-rtp" && report.kind === "audio") {
      packets += report.packetsReceived || 0;
    }
  });
  return frames > 0 || player.videoWidth > 0 ? frames : packets;
}

/** Once a second while connected: is the video advancing? */
async function heartbeat() {
  const current = client;
  if (!current || !current.pc || busy) {
    return;
  }
  let count;
  try {
    count = await progressCount(current.pc);
  } catch (_closed) {
    return;
  }
  if (current !== client) {
    return;
  }
  const now = Date.now();
  if (count !== lastCount && count > 0) {
    lastCount = count;
    lastProgressAt = now;
    if (player.paused) {
      play();
    } else if (player.readyState >= 2) {
      failures = 0;
      setState("live", "● LIVE", "");
      unmute.hidden = !player.muted;
    }
    return;
  }
  if (now - lastProgressAt < STALL_MS || now - lastCheckAt < OFFLINE_POLL_MS) {
    return;
  }
  // Stalled. The server keeps our session while the creator reconnects, so
  // only start over when the show is live and video still does not come.
  lastCheckAt = now;
  try {
    const show = await fetchShow(showId);
    if (current !== client) {
      return;
    }
    if (show.status === "ended") {
      markEnded();
    } else if (!show.live) {
      lastOfflineAt = Date.now();
      setState("offline", "OFFLINE", DROPPED_NOTE);
    } else if (Date.now() - lastOfflineAt > STALL_MS) {
      reconnect("Reconnecting…", true);
    }
  } catch (_unreachable) {
    setState("connecting", "RECONNECTING", "Reconnecting…");
  }
}

unmute.addEventListener("click", () => {
  player.muted = false;
  unmute.hidden = true;
  play();
});
player.addEventListener("click", () => {
  if (player.paused && player.srcObject) {
    play();
  }
});
player.addEventListener("resize", () => {
  // Fired when the video's size is known or changes: shape the stage like it.
  if (player.videoWidth && player.videoHeight) {
    const portrait = player.videoHeight > player.videoWidth;
    $("stage").dataset.orientation = portrait ? "portrait" : "landscape";
  }
});
player.addEventListener("volumechange", () => {
  unmute.hidden = !player.muted || badge.dataset.state !== "live";
});
window.addEventListener("pagehide", () => {
  // Free our seat on the server now rather than when ICE times out.
  if (client) {
    client.stop();
  }
});

setInterval(heartbeat, 1000);
connect();
