// The show's room over one WebSocket: JSON events in (one object or an array
// per frame), small JSON commands out; reconnects with backoff, and every new
// connection starts with a fresh snapshot from the server.

const PING_MS = 15000; // an app-level ping: a silent dead connection is noticed
const PONG_TIMEOUT_MS = 10000;
const MAX_BACKOFF_MS = 15000;

const VISITOR_KEY = "livesale.visitor";

/** This browser's random id, so the creator's analytics count a returning viewer once. */
function visitorId() {
  try {
    let id = localStorage.getItem(VISITOR_KEY);
    if (!id || !/^[A-Za-z0-9_-]{16,64}$/.test(id)) {
      id = randomId();
      localStorage.setItem(VISITOR_KEY, id);
    }
    return id;
  } catch {
    // Storage blocked by the browser's settings: a fresh id per page, still valid.
    return randomId();
  }
}

/** 128 random bits as hex (getRandomValues works on plain-http pages too, randomUUID not). */
function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class RoomSocket {
  /**
   * `onEvent(event)` is called for every event object; `onStatus(status)`
   * with "connecting", "open" or "closed" (while waiting to reconnect).
   * `replay: true` when the page plays the ended show's replay: the server
   * counts those viewers apart from the live's.
   * @param {string} showId
   * @param {{onEvent: (event: {type: string}) => void, onStatus?: (status: string) => void, replay?: boolean}} options
   */
  constructor(showId, { onEvent, onStatus = () => {}, replay = false }) {
    this.url = new URL(`/api/shows/${encodeURIComponent(showId)}/events`, location.href);
    this.url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    this.url.searchParams.set("visitor", visitorId());
    if (replay) {
      this.url.searchParams.set("replay", "1");
    }
    this.onEvent = onEvent;
    this.onStatus = onStatus;
    /** @type {WebSocket | null} */
    this.socket = null;
    this.failures = 0;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.retryTimer = undefined;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.pingTimer = undefined;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.pongTimer = undefined;
    this.stopped = false;
    window.addEventListener("pagehide", () => this.stop());
    window.addEventListener("pageshow", (event) => {
      if (event.persisted) {
        // Back from the back/forward cache: open a new room connection.
        this.stopped = false;
        this.reconnectNow();
      }
    });
    window.addEventListener("online", () => this.reconnectNow());
  }

  /** Open the connection (again). */
  connect() {
    if (this.stopped) {
      return;
    }
    this.closeSocket();
    this.onStatus("connecting");
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.addEventListener("open", () => {
      if (socket === this.socket) {
        this.onStatus("open");
        this.schedulePing();
      }
    });
    socket.addEventListener("message", (message) => {
      if (socket === this.socket) {
        this.receive(message.data);
      }
    });
    socket.addEventListener("close", () => {
      if (socket === this.socket) {
        this.socket = null;
        this.retry();
      }
    });
    // An "error" is always followed by "close", which retries.
  }

  receive(data) {
    let parsed;
    try {
      parsed = JSON.parse(data);
    } catch (_notJson) {
      return;
    }
    clearTimeout(this.pongTimer); // any frame proves the connection alive
    this.schedulePing();
    for (const event of Array.isArray(parsed) ? parsed : [parsed]) {
      if (event && typeof event.type === "string") {
        if (event.type === "snapshot") {
          this.failures = 0; // a working room: the next drop retries quickly
        }
        this.onEvent(event);
      }
    }
  }

  /** Send a command; false when not connected (the caller may say so). */
  send(command) {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) {
      return false;
    }
    this.socket.send(JSON.stringify(command));
    return true;
  }

  schedulePing() {
    clearTimeout(this.pingTimer);
    this.pingTimer = setTimeout(() => {
      if (this.send({ type: "ping" })) {
        this.pongTimer = setTimeout(() => this.reconnectNow(), PONG_TIMEOUT_MS);
      }
    }, PING_MS);
  }

  retry() {
    this.clearTimers();
    if (this.stopped) {
      return;
    }
    this.onStatus("closed");
    // 0.5 s, 1 s, 2 s ... 15 s, with jitter so a restarted server is not stampeded.
    const base = Math.min(500 * 2 ** this.failures, MAX_BACKOFF_MS);
    this.failures += 1;
    this.retryTimer = setTimeout(() => this.connect(), base / 2 + Math.random() * (base / 2));
  }

  /** Drop the connection and open a new one now (e.g. after choosing a name). */
  reconnectNow() {
    if (this.stopped) {
      return;
    }
    this.failures = 0;
    this.connect();
  }

  clearTimers() {
    clearTimeout(this.retryTimer);
    clearTimeout(this.pingTimer);
    clearTimeout(this.pongTimer);
  }

  closeSocket() {
    this.clearTimers();
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.close();
    }
  }

  /** Close for good (the page is going away). */
  stop() {
    this.stopped = true;
    this.closeSocket();
  }
}
