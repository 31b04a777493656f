// The cockpit's studio: camera preview, device choice, Go live and the state
// of the broadcast for the show on screen. The broadcast itself belongs to the
// console (console-broadcast.js), so closing this view never stops it.
import { drawBadge, drawProblem, tickTimer } from "./broadcast-view.js";
import { broadcaster, goLive, titleOf } from "./console-broadcast.js";
import { createDevicePicker } from "./device-picker.js";
import { $ } from "./dom.js";
import { onLanguageChange, setText } from "./i18n.js";
import { forgetKey, knownKey, rememberKey } from "./stream-keys.js";

const picker = createDevicePicker(broadcaster, { camera: $("studio-camera"), microphone: $("studio-microphone") });
let show = null; // the show on screen while its studio is open
let unsubscribe = null;
let wasOnAir = false; // this tab broadcast the show at the last drawing

function onAirElsewhere() {
  return broadcaster.onAir() && broadcaster.showId !== show.id;
}

function draw() {
  if (!show) {
    return;
  }
  const elsewhere = onAirElsewhere();
  $("studio-elsewhere").hidden = !elsewhere;
  $("studio").hidden = elsewhere;
  if (elsewhere) {
    setText($("studio-elsewhere-text"), "studio.elsewhere", { title: titleOf(broadcaster.showId) });
    $("studio-elsewhere-link", HTMLAnchorElement).href = `/console/shows/${encodeURIComponent(broadcaster.showId)}`;
    return;
  }
  const preview = $("studio-preview", HTMLVideoElement);
  if (preview.srcObject !== broadcaster.stream) {
    preview.srcObject = broadcaster.stream;
  }
  $("studio-note").hidden = Boolean(broadcaster.stream);
  drawBadge($("studio-status"), broadcaster);
  drawProblem($("studio-problem"), broadcaster.problem);
  const onAir = broadcaster.onAir(show.id);
  const refused = broadcaster.problem && broadcaster.problem.error;
  if (refused && (refused.code === "unauthorized" || refused.code === "forbidden")) {
    forgetKey(show.id); // rotated in another tab, or mistyped: ask for it again
  }
  if (onAir && !wasOnAir) {
    // Going live from here folds the key (it was for an encoder); a key made
    // while live stays shown: the creator asked for it.
    $("key-box").hidden = true;
  }
  wasOnAir = onAir;
  $("go-live").hidden = onAir;
  $("go-live", HTMLButtonElement).disabled = !broadcaster.stream;
  $("studio-key-field").hidden = onAir || Boolean(knownKey(show.id));
}

/** Open (or update) the studio for `next`, a show that is not over: the camera preview starts. */
export function drawStudio(next) {
  const opening = !show || show.id !== next.id;
  show = next;
  if (opening) {
    broadcaster.prepare(show.id);
    if (unsubscribe) {
      unsubscribe();
    }
    unsubscribe = broadcaster.subscribe(draw);
    if (!onAirElsewhere()) {
      broadcaster.openCamera().then(() => picker.refresh());
    }
  }
  draw();
}

/** Close the studio (another page, or the show ended): the camera goes off unless on air. */
export function closeStudio() {
  if (unsubscribe) {
    unsubscribe();
    unsubscribe = null;
  }
  show = null;
  $("studio-preview", HTMLVideoElement).srcObject = null;
  broadcaster.releaseCamera();
}

$("go-live").addEventListener("click", () => {
  if (!show) {
    return;
  }
  const pasted = $("studio-key", HTMLInputElement).value.trim();
  if (!pasted && !knownKey(show.id)) {
    setText($("studio-problem"), "host.key_first");
    $("studio-key").focus();
    return;
  }
  if (pasted) {
    rememberKey(show.id, pasted, { reveal: false });
    $("studio-key", HTMLInputElement).value = "";
  }
  goLive(show, pasted);
});
$("studio-key").addEventListener("keydown", (event) => {
  if (event.key === "Enter") {
    $("go-live").click();
  }
});
onLanguageChange(draw);
tickTimer($("studio-timer"), broadcaster);
