// The small "on air" dock shown on every console page but the live show's
// own cockpit: state, time on air, a preview, what is wrong, and the way back.
import { drawBadge, drawProblem, tickTimer } from "./broadcast-view.js";
import { broadcaster, titleOf } from "./console-broadcast.js";
import { onRouteChange } from "./console-router.js";
import { el } from "./dom.js";
import { onLanguageChange, setText } from "./i18n.js";

const preview = el("video", { className: "dock-preview", muted: true, autoplay: true, playsInline: true });
const badge = el("span", { className: "badge" });
const timer = el("span", { className: "timer" });
const title = el("strong", { className: "dock-title" });
const problem = el("p", { className: "dock-problem", attrs: { role: "status" } });
const back = el("a", { className: "button primary small", dataset: { nav: "" } });
setText(back, "dock.back");
const dock = el(
  "aside",
  { id: "on-air-dock", className: "on-air-dock", hidden: true },
  preview,
  el("div", { className: "dock-body" }, el("div", { className: "dock-line" }, badge, timer), title, problem, back),
);
dock.setAttribute("aria-labelledby", "on-air-dock-title");
title.id = "on-air-dock-title";

function cockpitPath(showId) {
  return `/console/shows/${encodeURIComponent(showId)}`;
}

function draw() {
  const onAir = broadcaster.onAir();
  dock.hidden = !onAir || location.pathname === cockpitPath(broadcaster.showId);
  if (dock.hidden) {
    preview.srcObject = null; // one decoder fewer while the cockpit shows the preview
    return;
  }
  if (preview.srcObject !== broadcaster.stream) {
    preview.srcObject = broadcaster.stream;
  }
  dock.dataset.state = broadcaster.state;
  drawBadge(badge, broadcaster);
  drawProblem(problem, broadcaster.problem);
  title.textContent = titleOf(broadcaster.showId); // text, never markup
  back.href = cockpitPath(broadcaster.showId);
}

/** Mount the dock in the console page; it follows the broadcaster and the route. */
export function mountOnAirDock() {
  document.body.append(dock);
  broadcaster.subscribe(draw);
  onRouteChange(draw);
  onLanguageChange(draw);
  tickTimer(timer, broadcaster);
}
