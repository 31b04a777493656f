// What WHIP and WHEP share (RFC 9725 and the WHEP draft): ICE servers, a
// non-trickle offer/answer over HTTP, and DELETE on the session resource.
import { exchange, get, ServerError } from "./http.js";

/** STUN/TURN servers from `GET /api/ice-servers`; TURN credentials there are short-lived. */
export async function fetchIceServers() {
  try {
    const body = await get("/api/ice-servers");
    return body && Array.isArray(body.iceServers) ? body.iceServers : [];
  } catch (_unreachable) {
    return []; // host candidates still work on a LAN
  }
}

/** Resolve when ICE gathering completes, or after `ms`: the offer then carries its candidates. */
export function iceGathered(pc, ms = 2000) {
  if (pc.iceGatheringState === "complete") {
    return Promise.resolve();
  }
  /** @type {Promise<void>} */
  const gathered = new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function check() {
      if (pc.iceGatheringState === "complete") {
        done();
      }
    }
    function done() {
      clearTimeout(timer);
      pc.removeEventListener("icegatheringstatechange", check);
      resolve();
    }
    pc.addEventListener("icegatheringstatechange", check);
  });
  return gathered;
}

/**
 * One HTTP-signalled peer connection. Subclasses add transceivers, then call
 * `negotiate()`. `onstatechange(state)` follows `pc.connectionState`.
 */
export class SignalingSession {
  constructor() {
    this.pc = null;
    this.location = null;
    this.headers = {};
    this.onstatechange = null;
  }

  /** A fresh peer connection with the server's ICE servers. */
  async createPeerConnection() {
    this.close();
    const pc = new RTCPeerConnection({ iceServers: await fetchIceServers() });
    pc.addEventListener("connectionstatechange", () => {
      if (this.pc === pc && typeof this.onstatechange === "function") {
        this.onstatechange(pc.connectionState);
      }
    });
    this.pc = pc;
    return pc;
  }

  /** POST the complete offer to `url`; apply the answer; remember the session's Location. */
  async negotiate(url) {
    const pc = this.pc;
    if (!pc) {
      throw new ServerError(0, "aborted", "No peer connection to negotiate (createPeerConnection first)");
    }
    await pc.setLocalDescription(await pc.createOffer());
    await iceGathered(pc, 2000);
    const endpoint = new URL(url, document.baseURI);
    let response;
    try {
      response = await exchange(endpoint, {
        method: "POST",
        headers: { ...this.headers, "Content-Type": "application/sdp" },
        body: pc.localDescription ? pc.localDescription.sdp : "",
      });
    } catch (error) {
      this.close();
      throw error;
    }
    const answer = await response.text();
    const location = response.headers.get("Location");
    // The Location may be relative: resolve it against the URL we posted to.
    this.location = location ? new URL(location, endpoint).href : null;
    if (this.pc !== pc) {
      // stop() was called while the offer was in flight.
      await this.release(this.location);
      throw new ServerError(0, "aborted", "Stopped before the connection was set up");
    }
    await pc.setRemoteDescription({ type: "answer", sdp: answer });
  }

  /** End the session on the server (DELETE on its Location) and close the peer connection. */
  async stop() {
    const location = this.location;
    try {
      // DELETE first: once the peer connection closes the server may drop the
      // session by itself, and the DELETE would then find nothing (404).
      await this.release(location);
    } finally {
      this.close();
    }
  }

  async release(location) {
    this.location = null;
    if (!location) {
      return;
    }
    try {
      await exchange(location, { method: "DELETE", headers: this.headers, keepalive: true });
    } catch (_ignored) {
      // The server also ends sessions whose peer goes away.
    }
  }

  /** Close the peer connection only; the server notices on its own. */
  close() {
    const pc = this.pc;
    this.pc = null;
    if (pc) {
      // Like pc.close() itself, this reports no state change: callers know they closed it.
      pc.close();
    }
  }
}
