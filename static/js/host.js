// The creator's page: pick devices, preview, go live over WHIP, end the show.
import { $, fetchShow, showIdFromPath } from "./api.js";
import { WhipClient } from "./whip.js";

const showId = showIdFromPath();
const preview = $("preview");
const status = $("status");
const goLive = $("go-live");
const end = $("end");
const cameraSelect = $("camera");
const microphoneSelect = $("microphone");

const DISCONNECT_GRACE_MS = 4000;
const MAX_RETRIES = 8;

// The key travels in the URL fragment, which browsers never send to a server.
// Keep it for this tab only (a reload still works) and out of the address bar.
const keyStorage = `livesale:stream-key:${showId}`;
const fragmentKey = new URLSearchParams(location.hash.slice(1)).get("key");
if (fragmentKey) {
  try {
    sessionStorage.setItem(keyStorage, fragmentKey);
  } catch (_storageDisabled) {
    // Then the key lives only in this page's memory.
  }
  history.replaceState(null, "", location.pathname + location.search);
}
let savedKey = fragmentKey;
if (!savedKey) {
  try {
    savedKey = sessionStorage.getItem(keyStorage);
  } catch (_storageDisabled) {
    savedKey = null;
  }
}
$("key-field").hidden = Boolean(savedKey);

let stream = null;
let client = null;
let liveSince = null;
let ended = false; // the show is over: nothing more to do on this page
let wantLive = false; // the creator pressed "Go live" and not "End"
let retries = 0;
let retryTimer = null;
let graceTimer = null;

function setState(state, text) {
  status.dataset.state = state;
  status.textContent = text;
}

function showError(message) {
  $("error").textContent = message || "";
}

function streamKey() {
  return savedKey || $("stream-key").value.trim();
}

function updateButtons() {
  goLive.disabled = ended || wantLive || !stream;
  end.disabled = ended || !wantLive;
}

async function loadShow() {
  try {
    const show = await fetchShow(showId);
    $("title").textContent = show.title;
    document.title = `${show.title} · Go live`;
    if (show.status === "ended") {
      markEnded("This show has ended. Create a new show to go live again.");
    }
  } catch (error) {
    showError(error.code === "show_not_found" ? "There is no such show." : error.message);
  }
}

function fillSelect(select, devices, fallback) {
  const current = select.value;
  select.replaceChildren();
  devices.forEach((device, index) => {
    const option = document.createElement("option");
    option.value = device.deviceId;
    option.textContent = device.label || `${fallback} ${index + 1}`; // text, never markup
    select.append(option);
  });
  if (!devices.length) {
    const option = document.createElement("option");
    option.value = "";
    option.textContent = `No ${fallback.toLowerCase()} found`;
    select.append(option);
  }
  if (current && devices.some((d) => d.deviceId === current)) {
    select.value = current;
  }
}

async function listDevices() {
  // Labels and ids are only filled in after getUserMedia was granted.
  const devices = await navigator.mediaDevices.enumerateDevices();
  fillSelect(cameraSelect, devices.filter((d) => d.kind === "videoinput"), "Camera");
  fillSelect(microphoneSelect, devices.filter((d) => d.kind === "audioinput"), "Microphone");
  if (stream) {
    // Show the devices actually in use.
    const [video] = stream.getVideoTracks();
    const [audio] = stream.getAudioTracks();
    const videoId = video && video.getSettings().deviceId;
    const audioId = audio && audio.getSettings().deviceId;
    if (videoId && [...cameraSelect.options].some((o) => o.value === videoId)) {
      cameraSelect.value = videoId;
    }
    if (audioId && [...microphoneSelect.options].some((o) => o.value === audioId)) {
      microphoneSelect.value = audioId;
    }
  }
}

async function openDevices() {
  const camera = cameraSelect.value;
  const microphone = microphoneSelect.value;
  const next = await navigator.mediaDevices.getUserMedia({
    video: {
      ...(camera ? { deviceId: { exact: camera } } : {}),
      width: { ideal: 1280 },
      height: { ideal: 720 },
      frameRate: { ideal: 30 },
    },
    audio: microphone ? { deviceId: { exact: microphone } } : true,
  });
  if (client) {
    // Switch devices mid-show without renegotiating.
    for (const track of next.getTracks()) {
      await client.replaceTrack(track);
    }
  }
  if (stream) {
    stream.getTracks().forEach((t) => t.stop());
  }
  stream = next;
  preview.srcObject = stream;
  $("preview-note").hidden = true;
  updateButtons();
}

function formatElapsed(ms) {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const hh = Math.floor(seconds / 3600);
  const mm = String(Math.floor((seconds % 3600) / 60)).padStart(2, "0");
  const ss = String(seconds % 60).padStart(2, "0");
  return hh ? `${hh}:${mm}:${ss}` : `${mm}:${ss}`;
}

setInterval(() => {
  if (liveSince !== null) {
    $("timer").textContent = formatElapsed(Date.now() - liveSince);
  }
}, 500);

function onConnectionState(state) {
  if (!wantLive || ended) {
    return;
  }
  clearTimeout(graceTimer);
  if (state === "connected") {
    retries = 0;
    if (liveSince === null) {
      liveSince = Date.now();
    }
    setState("live", "● LIVE");
    showError("");
  } else if (state === "disconnected") {
    // Often a blip that ICE recovers from; publish again only if it lasts.
    setState("connecting", "RECONNECTING");
    graceTimer = setTimeout(() => scheduleRetry("Connection lost. Reconnecting…"), DISCONNECT_GRACE_MS);
  } else if (state === "failed") {
    scheduleRetry("Connection lost. Reconnecting…");
  }
}

function scheduleRetry(note) {
  if (!wantLive || ended) {
    return;
  }
  if (client) {
    client.close(); // no DELETE: that would end the show for everyone
    client = null;
  }
  if (retries >= MAX_RETRIES) {
    wantLive = false;
    setState("error", "ERROR");
    showError("Could not reconnect. Check your network and press Go live again.");
    updateButtons();
    return;
  }
  retries += 1;
  setState("connecting", "RECONNECTING");
  if (note) {
    showError(note);
  }
  clearTimeout(retryTimer);
  retryTimer = setTimeout(publish, Math.min(1000 * 2 ** (retries - 1), 8000));
}

async function publish() {
  if (!wantLive || ended || client) {
    return;
  }
  const attempt = new WhipClient();
  attempt.onstatechange = onConnectionState;
  client = attempt;
  try {
    await attempt.publish(`/whip/${encodeURIComponent(showId)}`, streamKey(), stream);
  } catch (error) {
    if (client === attempt) {
      client = null;
    }
    if (!wantLive || error.code === "aborted") {
      return;
    }
    if (error.code === "publisher_exists" || error.code === "network_error" || error.status >= 500) {
      // Our previous connection may still be timing out on the server.
      scheduleRetry(error.code === "publisher_exists" ? "" : error.message);
      return;
    }
    wantLive = false;
    if (error.code === "show_ended") {
      markEnded(error.message);
    } else {
      setState("error", "ERROR");
      showError(error.message);
      if (error.code === "unauthorized" || error.code === "forbidden") {
        savedKey = null;
        $("key-field").hidden = false;
      }
    }
    updateButtons();
  }
}

function start() {
  if (!streamKey()) {
    showError("Paste the show's stream key first.");
    $("stream-key").focus();
    return;
  }
  const pasted = $("stream-key").value.trim();
  if (pasted && !savedKey) {
    savedKey = pasted;
    try {
      sessionStorage.setItem(keyStorage, pasted);
    } catch (_storageDisabled) {
      // Memory only.
    }
  }
  wantLive = true;
  retries = 0;
  showError("");
  setState("connecting", "CONNECTING");
  updateButtons();
  publish();
}

function markEnded(message) {
  ended = true;
  wantLive = false;
  liveSince = null;
  setState("ended", "ENDED");
  if (message) {
    showError(message);
  }
  updateButtons();
}

async function stop() {
  wantLive = false;
  clearTimeout(retryTimer);
  clearTimeout(graceTimer);
  end.disabled = true;
  const current = client;
  client = null;
  if (current) {
    await current.stop(); // DELETE on the session: the show ends for every viewer
  }
  markEnded("");
}

goLive.addEventListener("click", start);
end.addEventListener("click", stop);
$("stream-key").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !goLive.disabled) {
    start();
  }
});
for (const select of [cameraSelect, microphoneSelect]) {
  select.addEventListener("change", () => {
    openDevices().catch((error) => showError(`Could not switch device: ${error.message}`));
  });
}
navigator.mediaDevices?.addEventListener?.("devicechange", () => {
  listDevices().catch(() => {});
});
window.addEventListener("pagehide", () => {
  // Leaving the page drops the connection only; the show stays on and can resume.
  if (client) {
    client.close();
  }
});

loadShow();
if (!navigator.mediaDevices || !window.RTCPeerConnection) {
  setState("error", "ERROR");
  showError("This browser cannot stream: open the page over HTTPS in a recent browser.");
} else {
  openDevices()
    .then(listDevices)
    .catch((error) => {
      setState("error", "ERROR");
      showError(`Camera or microphone unavailable: ${error.message}`);
    });
}
