// The replay's chapters: every product moment of the show (a pin until the
// next pin, the unpin or the end), listed with its show time to jump there.
import { el } from "./dom.js";
import { formatNumber } from "./i18n.js";

/** Show time in ms as "m:ss", or "h:mm:ss" past an hour, in the reader's digits. */
export function formatShowTime(ms) {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = formatNumber(seconds % 60, 2);
  return hours
    ? `${formatNumber(hours)}:${formatNumber(minutes, 2)}:${rest}`
    : `${formatNumber(minutes)}:${rest}`;
}

/** The chapter on screen at `offsetMs` of the show, or null. */
export function chapterAt(chapters, offsetMs) {
  return (
    chapters.find(
      (chapter) => offsetMs >= chapter.offset_ms && (chapter.until_ms === null || offsetMs < chapter.until_ms),
    ) || null
  );
}

/**
 * Fill `list` (an <ol>) with one button per chapter: its time and product
 * title, as text. `onPick(chapter)` runs on a click; `setActive(pinId)` marks
 * the chapter playing now.
 */
export function createChapterList(list, chapters, { onPick }) {
  const items = chapters.map((chapter) => {
    const image = chapter.product.images && chapter.product.images[0];
    const button = el(
      "button",
      { type: "button", className: "chapter", dataset: { pinId: String(chapter.pin_id) } },
      el("time", { className: "chapter-time", textContent: formatShowTime(chapter.offset_ms) }),
      image ? el("img", { className: "chapter-image", src: image.url, alt: "" }) : null,
      el("span", { className: "chapter-title", textContent: chapter.product.title }), // text, never markup
    );
    button.addEventListener("click", () => onPick(chapter));
    return el("li", {}, button);
  });
  list.replaceChildren(...items);
  return {
    setActive(pinId) {
      for (const button of list.querySelectorAll("button.chapter")) {
        if (button.dataset.pinId === String(pinId)) {
          button.setAttribute("aria-current", "true");
        } else {
          button.removeAttribute("aria-current");
        }
      }
    },
  };
}
