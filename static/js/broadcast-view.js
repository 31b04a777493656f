// Drawing a broadcaster's state: the badge, the time on air and what to tell
// the creator ("Camera disconnected — reconnecting…"). Shared by the host page,
// the console's studio and its on-air dock.
import { formatElapsed } from "./broadcaster.js";
import { errorText } from "./http.js";
import { setText } from "./i18n.js";

const BADGES = {
  off: "badge.offline",
  preview: "badge.offline",
  connecting: "badge.connecting",
  live: "badge.live",
  reconnecting: "badge.reconnecting",
  error: "badge.error",
  ended: "badge.ended",
};

/** Set `badge` to the broadcaster's state (its `data-state` is the state itself). */
export function drawBadge(badge, broadcaster) {
  badge.dataset.state = broadcaster.state;
  setText(badge, BADGES[broadcaster.state] || "badge.offline");
}

/** Put the broadcaster's problem in `element` (empty when there is none). */
export function drawProblem(element, problem) {
  if (!problem) {
    delete element.dataset.i18n;
    element.textContent = "";
  } else if (problem.key) {
    setText(element, problem.key, problem.params);
  } else {
    setText(element, "host.error", { reason: errorText(problem.error) });
  }
  element.dataset.problem = problem ? problem.key || problem.error.code || "error" : "";
}

/** The time on air in `element`, refreshed twice a second; "00:00" before it starts. */
export function tickTimer(element, broadcaster) {
  const draw = () => {
    element.textContent = formatElapsed(broadcaster.liveSince === null ? 0 : Date.now() - broadcaster.liveSince);
  };
  draw();
  return setInterval(draw, 500);
}
