// Sharing the show: the device's share sheet where the browser has one, else
// the link copied to the clipboard with a visible "Link copied", and the link
// itself, selected, when the clipboard is refused.
import { el } from "./dom.js";
import { setText, t } from "./i18n.js";

const NOTE_MS = 2500;

/**
 * Wire `button`; `note` is where "Link copied" (or the link to copy by hand)
 * appears; `link()` gives `{url, title}` of the show at the moment of sharing.
 */
export function setUpShare({ button, note, link }) {
  let timer = null;

  function say(...children) {
    clearTimeout(timer);
    note.replaceChildren(...children);
    note.hidden = false;
  }

  function hideSoon() {
    clearTimeout(timer);
    timer = setTimeout(() => {
      note.hidden = true;
    }, NOTE_MS);
  }

  /** The clipboard was refused: the link, selected, to copy by hand. */
  function offerByHand(url) {
    const field = el("input", { type: "url", readOnly: true, value: url, className: "share-link" });
    field.setAttribute("aria-label", t("watch_share.copy_by_hand"));
    const close = el("button", { type: "button", className: "sheet-close", textContent: "×" });
    close.setAttribute("aria-label", t("checkout.close"));
    close.addEventListener("click", () => {
      note.hidden = true;
    });
    const text = el("span", {});
    setText(text, "watch_share.copy_by_hand");
    say(text, field, close);
    field.focus();
    field.select();
  }

  async function share() {
    const { url, title } = link();
    if (typeof navigator.share === "function") {
      try {
        await navigator.share({ title, url });
        return;
      } catch (error) {
        if (error && error.name === "AbortError") {
          return; // the viewer closed the share sheet
        }
        // Refused (no gesture, a blocked target): copy the link instead.
      }
    }
    try {
      await navigator.clipboard.writeText(url);
      const text = el("span", {});
      setText(text, "watch_share.copied");
      say(text);
      hideSoon();
    } catch (_refused) {
      offerByHand(url); // no clipboard here (plain http), or the browser said no
    }
  }

  button.addEventListener("click", share);
}
