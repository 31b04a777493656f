// The viewer's page: play the show over WHEP, wait while offline, reconnect on its own.
import { fetchShow, showIdFromPath, view } from "./webrtc.js";

const showId = showIdFromPath();
const $ = (id) => document.getElementById(id);
const player = $("player");
const badge = $("state");
const message = $("message");
const unmute = $("unmute");

const STALL_MS = 5000;
const OFFLINE_POLL_MS = 3000;

let session = null;
let connecting = false;
let failures = 0;
let lastTime = -1;
let lastProgressAt = Date.now();
let showEnded = false;

function setState(state, text, note) {
  badge.dataset.state = state;
  badge.textContent = text;
  message.textContent = note || "";
  message.hidden = !note;
}

async function connect() {
  if (connecting || session || showEnded) {
    return;
  }
  connecting = true;
  try {
    const show = await fetchShow(showId);
    $("title").textContent = show.title;
    document.title = `${show.title} · livesale`;
    if (show.status === "ended") {
      showEnded = true;
      setState("offline", "ENDED", "This show has ended.");
      return;
    }
    if (!show.live) {
      setState("offline", "OFFLINE", "The show is offline — it will start playing when it goes live.");
      return;
    }
    setState("connecting", "CONNECTING", "Connecting…");
    session = await view(`/whep/${encodeURIComponent(showId)}`, attach, onConnection);
    lastProgressAt = Date.now();
  } catch (error) {
    session = null;
    if (error.code === "show_not_live") {
      setState("offline", "OFFLINE", "The show is offline — it will start playing when it goes live.");
    } else {
      failures += 1;
      setState("connecting", "RETRYING", `Could not connect (${error.message}). Retrying…`);
    }
  } finally {
    connecting = false;
  }
}

function attach(stream) {
  if (player.srcObject !== stream) {
    player.srcObject = stream;
  }
  player.play().catch(() => {
    // Autoplay was refused even muted: a tap will start it.
    setState("connecting", "PAUSED", "Tap to play");
  });
}

function onConnection(state) {
  if (state === "failed" || state === "closed") {
    drop();
  }
}

function drop() {
  if (session) {
    session.close();
    session = null;
  }
  player.srcObject = null;
  lastTime = -1;
}

// One heartbeat drives the state: is the video advancing?
setInterval(async () => {
  if (session) {
    if (player.currentTime !== lastTime) {
      lastTime = player.currentTime;
      lastProgressAt = Date.now();
      if (player.videoWidth > 0 && player.currentTime > 0) {
        failures = 0;
        setState("live", "● LIVE", "");
        unmute.hidden = !player.muted;
      }
    } else if (Date.now() - lastProgressAt > STALL_MS) {
      // The creator's connection may have dropped: the server keeps our
      // session so video resumes by itself, unless the show is over.
      try {
        const show = await fetchShow(showId);
        if (show.status === "ended") {
          showEnded = true;
          drop();
          setState("offline", "ENDED", "This show has ended.");
        } else if (!show.live) {
          setState("offline", "OFFLINE", "The creator's connection dropped — waiting for them to come back.");
        }
      } catch (_ignored) {
        setState("connecting", "RECONNECTING", "Reconnecting…");
      }
    }
  }
}, 1000);

// While not connected, try again: quickly at first, then every few seconds.
async function loop() {
  if (!session && !showEnded) {
    await connect();
  }
  const delay = session ? OFFLINE_POLL_MS : Math.min(OFFLINE_POLL_MS * Math.max(1, failures), 15000);
  setTimeout(loop, delay);
}

unmute.addEventListener("click", () => {
  player.muted = false;
  unmute.hidden = true;
  player.play().catch(() => {});
});
player.addEventListener("click", () => player.play().catch(() => {}));
window.addEventListener("pagehide", () => {
  if (session) {
    session.stop();
  }
});

loop();
