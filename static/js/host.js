// The standalone publishing page (/host/{id}, e.g. in its own window): pick
// devices, preview, go live over WHIP, end the show. The broadcast itself is
// the shared Broadcaster, the same one the console uses.
import { $, fetchShow, showIdFromPath } from "./api.js";
import { drawBadge, drawProblem, tickTimer } from "./broadcast-view.js";
import { Broadcaster, rememberedBroadcast } from "./broadcaster.js";
import { confirmEndShow } from "./confirm-dialog.js";
import { createDevicePicker } from "./device-picker.js";
import { initI18n, onLanguageChange, setText, t } from "./i18n.js";
import { forgetKey, knownKey, rememberKey } from "./stream-keys.js";

const showId = showIdFromPath();
const broadcaster = new Broadcaster();
const goLive = $("go-live", HTMLButtonElement);
const end = $("end");

// The key travels in the URL fragment, which browsers never send to a server.
// Keep it for this tab only (a reload still works) and out of the address bar.
const fragmentKey = new URLSearchParams(location.hash.slice(1)).get("key");
if (fragmentKey) {
  rememberKey(showId, fragmentKey, { reveal: false });
  history.replaceState(null, "", location.pathname + location.search);
}
let savedKey = fragmentKey || knownKey(showId);
$("key-field").hidden = Boolean(savedKey);
let showEnded = false;

initI18n();

function streamKey() {
  return savedKey || $("stream-key", HTMLInputElement).value.trim();
}

function draw() {
  const ended = showEnded || broadcaster.state === "ended";
  drawBadge($("status"), broadcaster);
  if (ended && !broadcaster.problem) {
    setText($("error"), "host.ended_note");
  } else {
    drawProblem($("error"), broadcaster.problem);
  }
  if ($("preview", HTMLVideoElement).srcObject !== broadcaster.stream) {
    $("preview", HTMLVideoElement).srcObject = broadcaster.stream;
  }
  $("preview-note").hidden = Boolean(broadcaster.stream) || ended;
  goLive.hidden = ended || broadcaster.onAir();
  goLive.disabled = !broadcaster.stream;
  // Ending needs the WHIP session this page holds: only while it is on air.
  end.hidden = ended || !broadcaster.onAir();
  const problem = broadcaster.problem && broadcaster.problem.error;
  if (problem && (problem.code === "unauthorized" || problem.code === "forbidden")) {
    savedKey = null; // rotated, or mistyped: ask for it again
    forgetKey(showId);
    $("key-field").hidden = false;
  }
}

function start() {
  if (!streamKey()) {
    setText($("error"), "host.key_first");
    $("stream-key").focus();
    return;
  }
  if (!savedKey) {
    savedKey = $("stream-key", HTMLInputElement).value.trim();
    rememberKey(showId, savedKey, { reveal: false });
  }
  broadcaster.start(showId, savedKey);
}

async function stop() {
  if (await confirmEndShow()) {
    showEnded = true;
    await broadcaster.end(); // DELETE on the session: the show ends for every viewer
  }
}

async function loadShow() {
  let show;
  try {
    show = await fetchShow(showId);
  } catch (error) {
    broadcaster.set({ problem: { error } });
    return;
  }
  $("title").textContent = show.title; // text, never markup
  document.querySelector("title")?.removeAttribute("data-i18n"); // the show's title now
  document.title = `${show.title} · ${t("host.heading")}`;
  if (show.status === "ended") {
    showEnded = true;
    broadcaster.markEnded();
    return;
  }
  const resumed = rememberedBroadcast();
  if (resumed && resumed.showId === showId && savedKey) {
    // This tab was on air before a reload: carry on by itself.
    broadcaster.start(showId, savedKey, { since: resumed.since });
  }
}

goLive.addEventListener("click", start);
end.addEventListener("click", stop);
$("stream-key").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !goLive.disabled) {
    start();
  }
});
window.addEventListener("beforeunload", (event) => {
  if (broadcaster.onAir()) {
    event.preventDefault(); // the browser asks before the broadcast drops
    event.returnValue = "";
  }
});

const picker = createDevicePicker(broadcaster, { camera: $("camera"), microphone: $("microphone") });
broadcaster.subscribe(draw);
onLanguageChange(draw);
tickTimer($("timer"), broadcaster);
broadcaster.openCamera().then(() => picker.refresh());
loadShow();
