// The replay's video: the recorded parts of an ended show played in order in
// one <video>, and the mapping between video time and show time (ms since the
// show went live): show offset = part.offset_ms + video time in ms.
import { get } from "./http.js";

/** `GET /api/shows/{id}/replay` -> the replay, or null when the show has none. */
export async function fetchReplay(showId) {
  try {
    return await get(`/api/shows/${encodeURIComponent(showId)}/replay`);
  } catch (error) {
    if (error.code === "replay_not_found") {
      return null;
    }
    throw error;
  }
}

/**
 * Play `parts` (in `part` order) in `video`, the next part when one ends.
 * `onTime()` runs whenever the show time may have changed. Returns
 * `{offsetMs(), seekTo(offsetMs, {play})}`.
 */
export function createReplayPlayer(video, parts, { onTime = () => {} } = {}) {
  const ordered = [...parts].sort((a, b) => a.part - b.part);
  let index = 0;
  let pendingMs = null; // where to seek once the part's metadata has loaded
  let playWhenLoaded = false;

  function load(next, atMs, play) {
    index = next;
    pendingMs = atMs;
    playWhenLoaded = play;
    video.src = ordered[next].url; // the server answers ranges: seeking fetches what it needs
    onTime();
  }

  function start() {
    if (playWhenLoaded) {
      playWhenLoaded = false;
      video.play().catch(() => {}); // refused without a gesture: the controls are there
    }
  }

  video.addEventListener("loadedmetadata", () => {
    if (pendingMs !== null) {
      const at = pendingMs;
      pendingMs = null;
      if (at > 0) {
        video.currentTime = at / 1000;
      }
    }
    start();
    onTime();
  });
  video.addEventListener("ended", () => {
    if (index + 1 < ordered.length) {
      load(index + 1, 0, true);
    }
  });
  for (const event of ["timeupdate", "seeked", "play", "pause"]) {
    video.addEventListener(event, () => onTime());
  }

  /** The show time playing now, in ms. */
  function offsetMs() {
    const part = ordered[index];
    const inPart = pendingMs !== null ? pendingMs : Math.round(video.currentTime * 1000);
    return part.offset_ms + inPart;
  }

  /** Jump to a show time: the part playing then, or the next one after a gap. */
  function seekTo(targetMs, { play = false } = {}) {
    let next = ordered.findIndex((part) => targetMs < part.offset_ms + (part.duration_ms || 0));
    if (next < 0) {
      next = ordered.length - 1;
    }
    const part = ordered[next];
    const inPart = Math.max(0, Math.min(targetMs - part.offset_ms, part.duration_ms || 0));
    if (next === index && video.readyState >= 1) {
      video.currentTime = inPart / 1000;
      if (play && video.paused) {
        video.play().catch(() => {});
      }
      onTime();
    } else {
      load(next, inPart, play || !video.paused);
    }
  }

  video.src = ordered[0].url;
  return { offsetMs, seekTo };
}
