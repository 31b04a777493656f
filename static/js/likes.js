// Hearts: a tap floats a heart at once and is sent in small batches; the
// counter shows the room's aggregated total.
import { el } from "./dom.js";
import { formatCount } from "./format.js";

const FLUSH_MS = 300;
const MAX_PER_MESSAGE = 10; // the server accepts 1..10 likes per message
const MAX_FLOATING = 24;

/**
 * Wire `button` (the heart) and `counter`; `send(count)` delivers a batch and
 * returns false when the room is not connected. `layer` holds the animation.
 */
export function createLikes({ button, counter, layer, send }) {
  let pending = 0;
  let flushTimer = null;
  let total = 0;
  let ownSinceSnapshot = 0; // our taps the server has not counted back yet

  function show() {
    counter.textContent = formatCount(total + ownSinceSnapshot);
  }

  function flush() {
    flushTimer = null;
    while (pending > 0) {
      const batch = Math.min(pending, MAX_PER_MESSAGE);
      if (!send(batch)) {
        break; // keep them for when the room is back
      }
      pending -= batch;
    }
  }

  function float(fromOthers) {
    if (!layer || layer.childElementCount >= MAX_FLOATING) {
      return;
    }
    const heart = el("span", { className: fromOthers ? "heart other" : "heart", textContent: "❤" });
    heart.setAttribute("aria-hidden", "true");
    heart.style.setProperty("--drift", `${Math.round(Math.random() * 60 - 30)}px`);
    heart.addEventListener("animationend", () => heart.remove());
    layer.append(heart);
  }

  button.addEventListener("click", () => {
    pending += 1;
    ownSinceSnapshot += 1;
    show();
    float(false);
    if (!flushTimer) {
      flushTimer = setTimeout(flush, FLUSH_MS);
    }
  });

  return {
    /** The room's total from a snapshot. */
    reset(value) {
      total = Number(value) || 0;
      ownSinceSnapshot = pending;
      show();
    },
    /** A `like` event: the new total and how many were added since the last one. */
    update(value, delta) {
      total = Number(value) || 0;
      ownSinceSnapshot = Math.max(0, ownSinceSnapshot - (Number(delta) || 0));
      show();
      const others = Math.min(Number(delta) || 0, 5);
      for (let i = 0; i < others; i += 1) {
        float(true);
      }
    },
    /** Re-send taps made while disconnected. */
    flush,
    refresh: show,
  };
}
