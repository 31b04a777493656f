// The creator's page: pick devices, preview, go live over WHIP, end the show.
import { fetchShow, publish, showIdFromPath } from "./webrtc.js";

const showId = showIdFromPath();
const $ = (id) => document.getElementById(id);
const preview = $("preview");
const status = $("status");
const goLive = $("go-live");
const end = $("end");

// The key travels in the URL fragment, which browsers never send to a server.
const fragmentKey = new URLSearchParams(location.hash.slice(1)).get("key");
if (fragmentKey) {
  history.replaceState(null, "", location.pathname); // keep it out of screenshots
} else {
  $("key-field").hidden = false;
}

let stream = null;
let session = null;
let liveSince = null;
let ending = false;
let retries = 0;

function setState(state, text) {
  status.dataset.state = state;
  status.textContent = text;
}

function showError(message) {
  $("error").textContent = message || "";
}

function streamKey() {
  return fragmentKey || $("stream-key").value.trim();
}

async function loadShow() {
  try {
    const show = await fetchShow(showId);
    $("title").textContent = show.title;
    document.title = `${show.title} · Go live`;
    if (show.status === "ended") {
      setState("ended", "ENDED");
      goLive.disabled = true;
    }
  } catch (error) {
    showError(error.message);
  }
}

async function listDevices() {
  const devices = await navigator.mediaDevices.enumerateDevices();
  for (const [kind, select] of [["videoinput", $("camera")], ["audioinput", $("microphone")]]) {
    const current = select.value;
    select.replaceChildren();
    for (const device of devices.filter((d) => d.kind === kind)) {
      const option = document.createElement("option");
      option.value = device.deviceId;
      option.textContent = device.label || `${kind === "videoinput" ? "Camera" : "Microphone"} ${select.length + 1}`;
      select.append(option);
    }
    if (current) {
      select.value = current;
    }
  }
}

async function openDevices() {
  const camera = $("camera").value;
  const microphone = $("microphone").value;
  const next = await navigator.mediaDevices.getUserMedia({
    video: camera ? { deviceId: { exact: camera } } : { width: { ideal: 1280 }, height: { ideal: 720 } },
    audio: microphone ? { deviceId: { exact: microphone } } : true,
  });
  if (session && session.pc) {
    // Switch devices mid-show without renegotiating.
    for (const sender of session.pc.getSenders()) {
      const track = next.getTracks().find((t) => sender.track && t.kind === sender.track.kind);
      if (track) {
        await sender.replaceTrack(track);
      }
    }
  }
  if (stream) {
    stream.getTracks().forEach((t) => t.stop());
  }
  stream = next;
  preview.srcObject = stream;
  $("preview-note").hidden = true;
}

function tick() {
  if (liveSince === null) {
    return;
  }
  const seconds = Math.floor((Date.now() - liveSince) / 1000);
  const hh = Math.floor(seconds / 3600);
  const mm = String(Math.floor((seconds % 3600) / 60)).padStart(2, "0");
  const ss = String(seconds % 60).padStart(2, "0");
  $("timer").textContent = hh ? `${hh}:${mm}:${ss}` : `${mm}:${ss}`;
}
setInterval(tick, 500);

function onConnection(state) {
  if (ending) {
    return;
  }
  if (state === "connected") {
    retries = 0;
    if (liveSince === null) {
      liveSince = Date.now();
    }
    setState("live", "● LIVE");
    showError("");
  } else if (state === "failed" || state === "closed") {
    // The network dropped: publish again; viewers stay and resume.
    reconnect();
  }
}

async function start() {
  const key = streamKey();
  if (!key) {
    showError("Paste the show's stream key first.");
    return;
  }
  goLive.disabled = true;
  end.disabled = false;
  setState("connecting", "CONNECTING");
  showError("");
  try {
    session = await publish(`/whip/${encodeURIComponent(showId)}`, key, stream, onConnection);
  } catch (error) {
    session = null;
    if (error.code === "publisher_exists" && retries < 8) {
      // Our previous connection is still being timed out by the server.
      retries += 1;
      setTimeout(start, 1500);
      return;
    }
    setState(error.code === "show_ended" ? "ended" : "error", error.code === "show_ended" ? "ENDED" : "ERROR");
    showError(error.message);
    goLive.disabled = error.code === "show_ended";
    end.disabled = true;
  }
}

function reconnect() {
  if (session) {
    session.close();
    session = null;
  }
  setState("connecting", "RECONNECTING");
  retries += 1;
  setTimeout(start, Math.min(1000 * retries, 5000));
}

async function stop() {
  ending = true;
  end.disabled = true;
  goLive.disabled = true;
  if (session) {
    await session.stop();
    session = null;
  }
  liveSince = null;
  setState("ended", "ENDED");
}

goLive.addEventListener("click", start);
end.addEventListener("click", stop);
$("camera").addEventListener("change", () => openDevices().catch((e) => showError(e.message)));
$("microphone").addEventListener("change", () => openDevices().catch((e) => showError(e.message)));
window.addEventListener("pagehide", () => {
  // Closing the tab ends the peer connection; the server notices and keeps the show.
  if (session) {
    session.close();
  }
});

loadShow();
openDevices()
  .then(listDevices)
  .then(() => {
    if (status.dataset.state !== "ended") {
      goLive.disabled = false;
    }
  })
  .catch((error) => showError(`Camera or microphone unavailable: ${error.message}`));
