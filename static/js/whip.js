// A small WHIP client (RFC 9725): publish a camera and microphone to a WHIP endpoint.
import { SignalingSession } from "./session.js";

export class WhipClient extends SignalingSession {
  /**
   * Publish `mediaStream` to `url` with `Authorization: Bearer <streamKey>`.
   * Resolves once the server answered (201); media then flows as ICE connects.
   * Throws a ServerError carrying the server's error `code` and `message`.
   */
  async publish(url, streamKey, mediaStream) {
    const pc = await this.createPeerConnection();
    this.headers = { Authorization: `Bearer ${streamKey}` };
    for (const kind of ["video", "audio"]) {
      const track = mediaStream.getTracks().find((t) => t.kind === kind);
      pc.addTransceiver(track || kind, {
        direction: "sendonly",
        streams: track ? [mediaStream] : [],
      });
    }
    await this.negotiate(url);
  }

  /** Swap the camera or microphone mid-show without renegotiating. */
  async replaceTrack(track) {
    if (!this.pc) {
      return;
    }
    for (const transceiver of this.pc.getTransceivers()) {
      if (transceiver.receiver.track && transceiver.receiver.track.kind === track.kind) {
        await transceiver.sender.replaceTrack(track);
      }
    }
  }
}
