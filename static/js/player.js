// The show's video: play over WHEP, wait while the show is offline, keep the
// session while the host reconnects (the room says so), reconnect on its own
// when the connection breaks, and unmute on a tap anywhere on the video.
import { fetchShow } from "./api.js";
import { $ } from "./dom.js";
import { errorText } from "./http.js";
import { setText } from "./i18n.js";
import { WhepClient } from "./whep.js";

const OFFLINE_POLL_MS = 3000; // how often to ask whether the show went live
const STALL_MS = 5000; // no new video frame for this long: look into it
const DISCONNECT_GRACE_MS = 5000; // ICE "disconnected" often recovers by itself
const MAX_BACKOFF_MS = 15000;

/**
 * Start playing `showId` in `#player`. `onShow(show)` gets every show the API
 * returned; `onOffline()` lets the page say more while the show is not live.
 * Returns `{connectNow, markEnded, hostAway, hostBack}` for the room to call
 * when it hears news first.
 */
/**
 * @param {string} showId
 * @param {{onShow?: (show: any) => void, onOffline?: () => void, onMissing?: () => void}} [options]
 */
export function startPlayer(showId, { onShow = () => {}, onOffline = () => {}, onMissing = () => {} } = {}) {
  const player = $("player", HTMLVideoElement);
  const badge = $("state");
  const message = $("message");
  const unmute = $("unmute");
  const stage = $("stage");

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
  let away = false; // the room (or the API) says the host's connection dropped
  let upcoming = false; // scheduled with a start time (the page counts down to it)

  function setState(state, textKey, noteKey, noteParams) {
    badge.dataset.state = state;
    setText(badge, textKey);
    if (noteKey) {
      setText(message, noteKey, noteParams);
    } else {
      delete message.dataset.i18n;
      message.textContent = "";
    }
    message.hidden = !noteKey;
    drawUnmute();
  }

  /** "Tap to unmute" while the video plays without sound, whatever else is on screen. */
  function drawUnmute() {
    unmute.hidden = !(player.srcObject && player.muted && !player.paused);
  }

  /** The live show has no publisher for now: keep the session, the host may be back soon. */
  function waitForHost() {
    setState("connecting", "badge.reconnecting", "watch.host_reconnecting");
  }

  function offline(noteKey) {
    setState("offline", upcoming ? "badge.upcoming" : "badge.offline", noteKey);
    onOffline();
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
    clearTimeout(nextTimer);
    teardown(false); // the server already ended every session of the show
    setState("ended", "badge.ended", "watch.ended_note");
  }

  /** Ask the API about the show; connect over WHEP when it is live. */
  async function connect() {
    if (busy || client || showEnded) {
      return;
    }
    busy = true;
    try {
      const show = await fetchShow(showId);
      upcoming = show.status === "scheduled" && typeof show.scheduled_at === "number";
      onShow(show);
      if (show.status === "ended") {
        markEnded();
        return;
      }
      if (!show.live && show.status === "live") {
        // Live, but no video yet: the host is starting, or reconnecting.
        if (away) {
          waitForHost();
        } else {
          setState("connecting", "badge.connecting", "watch.starting");
        }
        schedule(OFFLINE_POLL_MS);
        return;
      }
      if (!show.live) {
        offline("watch.offline_note");
        schedule(OFFLINE_POLL_MS);
        return;
      }
      setState("connecting", "badge.connecting", "watch.connecting");
      const attempt = new WhepClient();
      attempt.onstatechange = (state) => onConnectionState(attempt, state);
      client = attempt;
      const stream = await attempt.view(`/whep/${encodeURIComponent(showId)}`);
      if (client !== attempt) {
        return; // torn down meanwhile
      }
      lastCount = -1;
      lastProgressAt = Date.now();
      player.srcObject = stream;
      play();
    } catch (error) {
      teardown(false);
      if (error.code === "show_not_live" && away) {
        waitForHost();
        schedule(OFFLINE_POLL_MS);
      } else if (error.code === "show_not_live") {
        offline("watch.offline_note");
        schedule(OFFLINE_POLL_MS);
      } else if (error.code === "show_ended") {
        markEnded();
      } else if (error.code === "show_not_found" || error.code === "not_found") {
        setState("offline", "badge.offline", "watch.no_such_show");
        onMissing();
      } else {
        failures += 1;
        setState("connecting", "badge.retrying", "watch.retrying", { reason: errorText(error) });
        schedule(backoff());
      }
    } finally {
      busy = false;
    }
  }

  function play() {
    player.play().catch(() => {
      if (!player.muted) {
        // Sound without a gesture was refused: play muted and offer the button.
        player.muted = true;
        player.play().catch(() => setState("connecting", "badge.paused", "watch.tap_to_play"));
      } else {
        setState("connecting", "badge.paused", "watch.tap_to_play");
      }
    });
  }

  function onConnectionState(attempt, state) {
    if (attempt !== client) {
      return;
    }
    clearTimeout(graceTimer);
    if (state === "failed" || state === "closed") {
      reconnect(false);
    } else if (state === "disconnected") {
      graceTimer = setTimeout(() => {
        if (client === attempt && attempt.pc && attempt.pc.connectionState !== "connected") {
          reconnect(false);
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
    drawUnmute();
  }

  /**
   * Start over after a backoff. A broken connection is only closed (the server
   * drops sessions whose peer went away); a live but stalled one is DELETEd.
   */
  function reconnect(release) {
    teardown(release);
    failures += 1;
    setState("connecting", "badge.reconnecting", "watch.connection_lost");
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
        away = false; // frames again: the host is on air, whatever news is late
        setState("live", "badge.live");
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
        away = true;
        waitForHost();
      } else if (Date.now() - lastOfflineAt > STALL_MS) {
        reconnect(true);
      }
    } catch (_unreachable) {
      setState("connecting", "badge.reconnecting", "watch.reconnecting");
    }
  }

  /** Sound on (a user gesture, so the browser allows it), and play if paused. */
  function unmuteNow() {
    player.muted = false;
    drawUnmute();
    play();
  }

  unmute.addEventListener("click", unmuteNow);
  stage.addEventListener("click", (event) => {
    // A tap anywhere on the video, not on a control over it.
    const onControl = event.target instanceof Element && event.target.closest("button, a, input, select, textarea, .rail");
    if (!player.srcObject || onControl) {
      return;
    }
    if (player.muted || player.paused) {
      unmuteNow();
    }
  });
  player.addEventListener("resize", () => {
    // Fired when the video's size is known or changes: shape the stage like it.
    if (player.videoWidth && player.videoHeight) {
      const portrait = player.videoHeight > player.videoWidth;
      stage.dataset.orientation = portrait ? "portrait" : "landscape";
    }
  });
  for (const name of ["volumechange", "play", "pause", "emptied"]) {
    player.addEventListener(name, drawUnmute);
  }
  window.addEventListener("pagehide", () => {
    // Free our seat on the server now rather than when ICE times out.
    if (client) {
      client.stop();
    }
  });

  setInterval(heartbeat, 1000);
  connect();

  return {
    /** The room says the show went live: try now instead of at the next poll. */
    connectNow() {
      if (!client && !busy && !showEnded) {
        failures = 0;
        schedule(0);
      }
    },
    markEnded,
    /** The room says the host's connection dropped: say so, and keep the session for their return. */
    hostAway() {
      if (showEnded || away) {
        return;
      }
      away = true;
      lastOfflineAt = Date.now();
      waitForHost();
    },
    /** The room says the host is back: the video resumes on this session, or a new one. */
    hostBack() {
      if (!away || showEnded) {
        return;
      }
      away = false;
      lastOfflineAt = Date.now(); // the frames get a moment to come back before starting over
      lastProgressAt = Date.now();
      if (!client && !busy) {
        failures = 0;
        schedule(0);
      }
    },
  };
}
