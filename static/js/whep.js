// A small WHEP client: play a show from a WHEP endpoint (no authorization needed).
import { SignalingSession } from "./session.js";

export class WhepClient extends SignalingSession {
  /**
   * Offer to receive video and audio from `url`; resolve with the MediaStream
   * the remote tracks arrive in. Throws a ServerError (e.g. 409 `show_not_live`).
   */
  async view(url) {
    const pc = await this.createPeerConnection();
    this.headers = {};
    const stream = new MediaStream();
    pc.addEventListener("track", (event) => {
      if (!stream.getTracks().includes(event.track)) {
        stream.addTrack(event.track);
      }
    });
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.addTransceiver("audio", { direction: "recvonly" });
    await this.negotiate(url);
    return stream;
  }
}
