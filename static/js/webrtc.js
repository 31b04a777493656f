// WHIP/WHEP signalling shared by the host and watch pages (RFC 9725, non-trickle).

/** An error the server explained: `code` is the stable error code. */
export class ServerError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Read the server's JSON error body, or describe the HTTP status. */
export async function errorFrom(response) {
  try {
    const body = await response.json();
    if (body && body.error) {
      return new ServerError(response.status, body.error.code, body.error.message);
    }
  } catch (_ignored) {
    // Not JSON: fall through to the status line.
  }
  return new ServerError(response.status, `http_${response.status}`, response.statusText);
}

/** ICE servers (TURN credentials are fresh) for the peer connection. */
export async function iceServers() {
  try {
    const response = await fetch("/api/ice-servers");
    if (response.ok) {
      return (await response.json()).iceServers || [];
    }
  } catch (_ignored) {
    // Host candidates still work on a LAN.
  }
  return [];
}

/** Wait until ICE gathering completes, at most `ms`: the offer then needs no trickle. */
function gathered(pc, ms) {
  if (pc.iceGatheringState === "complete") {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      pc.removeEventListener("icegatheringstatechange", check);
      resolve();
    }
    function check() {
      if (pc.iceGatheringState === "complete") {
        done();
      }
    }
    pc.addEventListener("icegatheringstatechange", check);
  });
}

/**
 * One WHIP or WHEP session: POST the offer, apply the answer, DELETE to end.
 * `onstatechange(state)` follows the peer connection.
 */
export class Session {
  constructor(endpoint, { token = null, onstatechange = () => {} } = {}) {
    this.endpoint = endpoint;
    this.token = token;
    this.onstatechange = onstatechange;
    this.pc = null;
    this.location = null;
  }

  async start(prepare) {
    this.pc = new RTCPeerConnection({ iceServers: await iceServers() });
    this.pc.addEventListener("connectionstatechange", () => {
      this.onstatechange(this.pc ? this.pc.connectionState : "closed");
    });
    prepare(this.pc);
    await this.pc.setLocalDescription(await this.pc.createOffer());
    await gathered(this.pc, 2000);
    const headers = { "Content-Type": "application/sdp" };
    if (this.token) {
      headers.Authorization = `Bearer ${this.token}`;
    }
    const response = await fetch(this.endpoint, {
      method: "POST",
      headers,
      body: this.pc.localDescription.sdp,
    });
    if (response.status !== 201) {
      const error = await errorFrom(response);
      this.close();
      throw error;
    }
    const location = response.headers.get("Location");
    // The Location is relative to the endpoint that answered (RFC 9725).
    this.location = location ? new URL(location, response.url).href : null;
    await this.pc.setRemoteDescription({ type: "answer", sdp: await response.text() });
  }

  /** End the session on the server (best effort) and locally. */
  async stop() {
    const location = this.location;
    this.location = null;
    this.close();
    if (location) {
      try {
        await fetch(location, { method: "DELETE" });
      } catch (_ignored) {
        // The server ends sessions whose peer goes away on its own.
      }
    }
  }

  close() {
    if (this.pc) {
      const pc = this.pc;
      this.pc = null;
      pc.close();
    }
  }
}

/** Publish a camera/microphone stream over WHIP. */
export async function publish(endpoint, token, stream, onstatechange) {
  const session = new Session(endpoint, { token, onstatechange });
  await session.start((pc) => {
    for (const track of stream.getTracks()) {
      pc.addTransceiver(track, { direction: "sendonly", streams: [stream] });
    }
  });
  return session;
}

/** Watch over WHEP; `ontrack(stream)` receives the remote media. */
export async function view(endpoint, ontrack, onstatechange) {
  const session = new Session(endpoint, { onstatechange });
  const stream = new MediaStream();
  await session.start((pc) => {
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.addTransceiver("audio", { direction: "recvonly" });
    pc.addEventListener("track", (event) => {
      stream.addTrack(event.track);
      ontrack(stream);
    });
  });
  return session;
}

/** Fetch a show's public state. */
export async function fetchShow(showId) {
  const response = await fetch(`/api/shows/${encodeURIComponent(showId)}`);
  if (!response.ok) {
    throw await errorFrom(response);
  }
  return response.json();
}

/** The show id from a `/host/{id}` or `/watch/{id}` path. */
export function showIdFromPath() {
  const parts = location.pathname.split("/").filter(Boolean);
  return decodeURIComponent(parts[parts.length - 1] || "");
}
