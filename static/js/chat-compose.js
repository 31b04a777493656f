// The chat input: sends over the room, honours slow mode, shows chat errors.
import { errorText } from "./http.js";
import { has, setText, t } from "./i18n.js";
import { setTextWithTimes } from "./format.js";

/** Wire `form` (with `input` and `button`); `send(text)` returns false when offline. */
export function createChatCompose({ form, input, button, error, hint, send }) {
  let slowSeconds = 0;
  let waitUntil = 0;
  let mutedUntil = null;
  let timer = null;

  function update() {
    const now = Date.now();
    const muted = mutedUntil && mutedUntil * 1000 > now; // muted_until: epoch seconds
    const waiting = waitUntil > now;
    button.disabled = Boolean(muted || waiting);
    if (muted) {
      setTextWithTimes(hint, "chat.muted_until", {}, { time: [mutedUntil * 1000, "clock"] }); // `muted_until`: epoch seconds
    } else if (waiting) {
      setText(hint, "chat.slow_wait", { n: Math.ceil((waitUntil - now) / 1000) });
    } else if (slowSeconds > 0) {
      setText(hint, "chat.slow_mode", { n: slowSeconds });
    } else {
      delete hint.dataset.i18n;
      hint.textContent = "";
    }
    if (!muted && !waiting) {
      clearInterval(timer);
      timer = null;
    } else if (!timer) {
      timer = setInterval(update, 500);
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || button.disabled) {
      return;
    }
    if (!send(text)) {
      setText(error, "chat.offline");
      return;
    }
    error.textContent = "";
    input.value = "";
    if (slowSeconds > 0) {
      waitUntil = Date.now() + slowSeconds * 1000;
    }
    update();
  });

  return {
    /**
     * Settings from a snapshot or a `show` event.
     * @param {{slow_mode_seconds?: number, muted_until?: number | null}} [settings]
     */
    configure({ slow_mode_seconds: slow, muted_until: muted } = {}) {
      if (typeof slow === "number") {
        slowSeconds = slow;
      }
      if (muted !== undefined) {
        mutedUntil = muted;
      }
      update();
    },
    /** A chat error the room sent back (`chat_slow_mode`, `chat_muted`, ...). */
    showError(event) {
      delete error.dataset.i18n;
      const details = event.details || {};
      // Refused because of the network (another guest's ban, mute or messages), not you.
      const byAddress = details.reason === "address" && has(`error.${event.code}.address`);
      error.textContent = byAddress ? t(`error.${event.code}.address`) : errorText(event);
      if (event.code === "chat_slow_mode" && details.retry_after_ms) {
        waitUntil = Date.now() + details.retry_after_ms;
      }
      if (event.code === "chat_muted" && details.muted_until) {
        mutedUntil = details.muted_until;
      }
      update();
    },
  };
}
