// Publishing a show from this browser: the camera and microphone, the WHIP
// session, reconnecting by itself after a drop, and the state pages draw.
// One Broadcaster per page; it does not depend on which view is on screen.
import { formatNumber } from "./i18n.js";
import { WhipClient } from "./whip.js";

const DISCONNECT_GRACE_MS = 4000; // ICE often recovers from a blip by itself
const MAX_BACKOFF_MS = 8000;
const ON_AIR_STORAGE = "livesale:on-air"; // which show this tab was broadcasting

/** A duration in ms as "mm:ss" or "h:mm:ss" (the time on air), in the reader's digits. */
export function formatElapsed(ms) {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const hh = Math.floor(seconds / 3600);
  const mm = formatNumber(Math.floor((seconds % 3600) / 60), 2);
  const ss = formatNumber(seconds % 60, 2);
  return hh ? `${formatNumber(hh)}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** `{showId, since}` of the broadcast this tab was running before a reload, or null. */
export function rememberedBroadcast() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(ON_AIR_STORAGE) || "null");
    return saved && typeof saved.showId === "string" ? saved : null;
  } catch (_unreadable) {
    return null;
  }
}

function remember(value) {
  try {
    if (value) {
      sessionStorage.setItem(ON_AIR_STORAGE, JSON.stringify(value));
    } else {
      sessionStorage.removeItem(ON_AIR_STORAGE);
    }
  } catch (_storageDisabled) {
    // A reload then needs Go live again.
  }
}

/**
 * The creator's broadcast. `state` is one of "off" (no camera), "preview",
 * "connecting", "live", "reconnecting", "error" or "ended"; `problem` is what
 * to tell the creator (`{key, params}` or `{error}`), or null.
 */
export class Broadcaster {
  constructor() {
    this.state = "off";
    this.showId = null;
    this.stream = null;
    this.liveSince = null;
    this.problem = null;
    this.wantLive = false; // Go live pressed, and neither End nor a fatal error since
    this.key = null;
    this.client = null;
    this.retries = 0;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.retryTimer = undefined;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.graceTimer = undefined;
    this.opening = null;
    this.cameraWanted = false; // a page wants the preview (cleared when it lets the camera go)
    this.listeners = new Set();
    // Leaving the page drops the connection only: the show stays on and can resume.
    window.addEventListener("pagehide", () => this.client && this.client.close());
  }

  /** Call `listener(broadcaster)` now and on every change; returns the unsubscribe function. */
  subscribe(listener) {
    this.listeners.add(listener);
    listener(this);
    return () => this.listeners.delete(listener);
  }

  /** True while this page broadcasts (or tries to) `showId`, or any show without one. */
  onAir(showId) {
    return this.wantLive && (showId === undefined || this.showId === showId);
  }

  set(changes) {
    Object.assign(this, changes);
    for (const listener of [...this.listeners]) {
      listener(this);
    }
  }

  /** Open the camera and microphone (the chosen ones, or the defaults) for the preview. */
  openCamera({ camera = "", microphone = "" } = {}) {
    this.cameraWanted = true;
    if (this.opening) {
      return this.opening;
    }
    if (this.stream && !camera && !microphone) {
      return Promise.resolve(this.stream);
    }
    if (!navigator.mediaDevices || !window.RTCPeerConnection) {
      this.set({ state: "error", problem: { key: "host.no_webrtc" } });
      return Promise.resolve(null);
    }
    this.opening = this.capture(camera, microphone).finally(() => {
      this.opening = null;
    });
    return this.opening;
  }

  async capture(camera, microphone) {
    let next;
    try {
      next = await navigator.mediaDevices.getUserMedia({
        video: {
          ...(camera ? { deviceId: { exact: camera } } : {}),
          width: { ideal: 1280 },
          height: { ideal: 720 },
          frameRate: { ideal: 30 },
        },
        audio: microphone ? { deviceId: { exact: microphone } } : true,
      });
    } catch (error) {
      if (!this.stream) {
        this.set({ state: "error", problem: { key: "host.no_camera", params: { reason: error.message } } });
      } else {
        this.set({ problem: { key: "host.switch_failed", params: { reason: error.message } } });
      }
      return this.stream;
    }
    if (!this.cameraWanted && !this.wantLive) {
      next.getTracks().forEach((track) => track.stop()); // released while the browser asked
      return null;
    }
    if (this.client) {
      // Switch devices mid-show without renegotiating.
      for (const track of next.getTracks()) {
        await this.client.replaceTrack(track);
      }
    }
    if (this.stream) {
      this.stream.getTracks().forEach((track) => track.stop());
    }
    const fresh = this.state === "off" || (this.state === "error" && !this.wantLive);
    this.set({ stream: next, ...(fresh ? { state: "preview", problem: null } : {}) });
    return next;
  }

  /** Turn the camera off, unless it is on air. */
  releaseCamera() {
    if (this.wantLive) {
      return;
    }
    this.cameraWanted = false;
    if (!this.stream) {
      return;
    }
    this.stream.getTracks().forEach((track) => track.stop());
    this.set({ stream: null, state: this.state === "ended" ? "ended" : "off" });
  }

  /** The devices to choose from, and the ids of those in use. */
  async devices() {
    // Labels and ids are only filled in after getUserMedia was granted.
    const all = await navigator.mediaDevices.enumerateDevices();
    const [video] = this.stream ? this.stream.getVideoTracks() : [];
    const [audio] = this.stream ? this.stream.getAudioTracks() : [];
    return {
      cameras: all.filter((d) => d.kind === "videoinput"),
      microphones: all.filter((d) => d.kind === "audioinput"),
      camera: video ? video.getSettings().deviceId : "",
      microphone: audio ? audio.getSettings().deviceId : "",
    };
  }

  /** A new stream key for `showId` (rotated in this tab): the next publish uses it. */
  useKey(showId, key) {
    if (this.showId === showId) {
      this.key = key;
    }
  }

  /** Go live with `showId` and its stream key; `since` (epoch ms) resumes a timer. */
  start(showId, key, { since = null } = {}) {
    if (this.wantLive && this.showId === showId) {
      return;
    }
    this.clearTimers();
    this.set({
      showId,
      key,
      wantLive: true,
      retries: 0,
      liveSince: since,
      state: "connecting",
      problem: null,
    });
    remember({ showId, since });
    this.publish();
  }

  async publish() {
    if (!this.wantLive || this.client) {
      return;
    }
    if (!this.stream && !(await this.openCamera())) {
      this.stopTrying(); // no camera: the problem says why
      return;
    }
    if (!this.wantLive || this.client) {
      return; // stopped, or published, while the camera opened
    }
    const attempt = new WhipClient();
    attempt.onstatechange = (state) => this.connectionChanged(attempt, state);
    this.client = attempt;
    try {
      await attempt.publish(`/whip/${encodeURIComponent(this.showId)}`, this.key, this.stream);
    } catch (error) {
      if (this.client === attempt) {
        this.client = null;
      }
      if (!this.wantLive || error.code === "aborted") {
        return;
      }
      if (error.code === "publisher_exists") {
        // Our previous connection may still be timing out on the server.
        this.retry({ key: "broadcast.waiting_old" });
      } else if (error.code === "network_error" || error.status >= 500) {
        this.retry({ key: "broadcast.reconnecting" });
      } else if (error.code === "show_ended") {
        this.markEnded();
      } else {
        this.stopTrying();
        this.set({ state: "error", problem: { error } });
      }
    }
  }

  connectionChanged(attempt, state) {
    if (this.client !== attempt || !this.wantLive) {
      return;
    }
    clearTimeout(this.graceTimer);
    if (state === "connected") {
      const since = this.liveSince === null ? Date.now() : this.liveSince;
      remember({ showId: this.showId, since });
      this.set({ state: "live", problem: null, retries: 0, liveSince: since });
    } else if (state === "disconnected") {
      // Often a blip that ICE recovers from; publish again only if it lasts.
      this.set({ state: "reconnecting", problem: { key: "broadcast.reconnecting" } });
      this.graceTimer = setTimeout(() => this.retry({ key: "broadcast.reconnecting" }), DISCONNECT_GRACE_MS);
    } else if (state === "failed") {
      this.retry({ key: "broadcast.reconnecting" });
    }
  }

  /** Publish again after a backoff, for as long as the show is live (it ends itself eventually). */
  retry(problem) {
    if (!this.wantLive) {
      return;
    }
    if (this.client) {
      this.client.close(); // no DELETE: that would end the show for everyone
      this.client = null;
    }
    clearTimeout(this.retryTimer);
    const delay = Math.min(1000 * 2 ** this.retries, MAX_BACKOFF_MS);
    this.set({ retries: this.retries + 1, state: "reconnecting", problem });
    this.retryTimer = setTimeout(() => this.publish(), delay);
  }

  clearTimers() {
    clearTimeout(this.retryTimer);
    clearTimeout(this.graceTimer);
  }

  stopTrying() {
    this.clearTimers();
    if (this.client) {
      this.client.close();
      this.client = null;
    }
    remember(null);
    this.set({ wantLive: false, liveSince: null });
  }

  /** Stop broadcasting without ending the show (log-out, another tab takes over). */
  halt() {
    this.stopTrying();
    this.set({ state: this.stream ? "preview" : "off", problem: null });
  }

  /** End the show through the WHIP session (DELETE): for every viewer, for good. */
  async end() {
    const current = this.client;
    this.client = null;
    this.stopTrying();
    if (current) {
      await current.stop();
    }
    this.markEnded();
  }

  /** The show is over: nothing more to publish, and the camera goes off. */
  markEnded() {
    this.stopTrying();
    this.set({ state: "ended", problem: null });
    this.releaseCamera();
  }

  /** Forget an ended or other show's state before previewing for `showId`. */
  prepare(showId) {
    if (this.wantLive) {
      return;
    }
    this.set({ showId, state: this.stream ? "preview" : "off", problem: null, liveSince: null });
  }
}
