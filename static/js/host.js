// The creator's page: pick devices, preview, go live over WHIP, end the show.
import { $, fetchShow, showIdFromPath } from "./api.js";
import { errorText } from "./http.js";
import { initI18n, setText, t } from "./i18n.js";
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

initI18n();
// Inside the console's iframe the page drops its own header.
document.body.classList.toggle("embedded", window.self !== window.top);

function setState(state, key) {
  status.dataset.state = state;
  setText(status, key);
}

/** Show a translated message (`key` with params) or nothing. */
function showError(key, params) {
  if (key) {
    setText($("error"), key, params);
  } else {
    delete $("error").dataset.i18n;
    $("error").textContent = "";
  }
}

/** Show a server or device error: its translated code, or its English message. */
function showFailure(error) {
  showError("host.error", { reason: errorText(error) });
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
    document.querySelector("title").removeAttribute("data-i18n"); // the show's title now
    document.title = `${show.title} · ${t("host.heading")}`;
    if (show.status === "ended") {
      markEnded("host.ended_note");
    }
  } catch (error) {
    showFailure(error);
  }
}

function fillSelect(select, devices, fallback) {
  const current = select.value;
  select.replaceChildren();
  devices.forEach((device, index) => {
    const option = document.createElement("option");
    option.value = device.deviceId;
    option.textContent = device.label || t(`host.${fallback}_n`, { n: index + 1 }); // text, never markup
    select.append(option);
  });
  if (!devices.length) {
    const option = document.createElement("option");
    option.value = "";
    setText(option, `host.none_${fallback}`);
    select.append(option);
  }
  if (current && devices.some((d) => d.deviceId === current)) {
    select.value = current;
  }
}

async function listDevices() {
  // Labels and ids are only filled in after getUserMedia was granted.
  const devices = await navigator.mediaDevices.enumerateDevices();
  fillSelect(cameraSelect, devices.filter((d) => d.kind === "videoinput"), "camera");
  fillSelect(microphoneSelect, devices.filter((d) => d.kind === "audioinput"), "microphone");
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
    setState("live", "badge.live");
    showError("");
  } else if (state === "disconnected") {
    // Often a blip that ICE recovers from; publish again only if it lasts.
    setState("connecting", "badge.reconnecting");
    graceTimer = setTimeout(() => scheduleRetry("host.connection_lost"), DISCONNECT_GRACE_MS);
  } else if (state === "failed") {
    scheduleRetry("host.connection_lost");
  }
}

/** Publish again after a backoff; `note` is a message key, or an error to show. */
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
    setState("error", "badge.error");
    showError("host.gave_up");
    updateButtons();
    return;
  }
  retries += 1;
  setState("connecting", "badge.reconnecting");
  if (typeof note === "string" && note) {
    showError(note);
  } else if (note) {
    showFailure(note);
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
      scheduleRetry(error.code === "publisher_exists" ? "" : error);
      return;
    }
    wantLive = false;
    if (error.code === "show_ended") {
      markEnded("host.ended_note");
    } else {
      setState("error", "badge.error");
      showFailure(error);
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
    showError("host.key_first");
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
  setState("connecting", "badge.connecting");
  updateButtons();
  publish();
}

function markEnded(key) {
  ended = true;
  wantLive = false;
  liveSince = null;
  setState("ended", "badge.ended");
  if (key) {
    showError(key);
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
    openDevices().catch((error) => showError("host.switch_failed", { reason: error.message }));
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
  setState("error", "badge.error");
  showError("host.no_webrtc");
} else {
  openDevices()
    .then(listDevices)
    .catch((error) => {
      setState("error", "badge.error");
      showError("host.no_camera", { reason: error.message });
    });
}
