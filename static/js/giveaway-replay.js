// The replay's giveaways: each one joins the chapter list at the moment it
// started, with its prize and winner; a tap jumps the video there.
import { formatShowTime } from "./chapters.js";
import { el } from "./dom.js";
import { get } from "./http.js";
import { t } from "./i18n.js";

/**
 * Add the show's giveaways to the replay's chapter `list` (an <ol> drawn from
 * `chapters`, in time order) where they fall; `seek(offsetMs)` jumps the replay.
 * `section` is shown once the list has any.
 * @param {{list: HTMLElement, section: HTMLElement, chapters: {offset_ms: number}[], showId: string,
 *   seek: (offsetMs: number) => void}} options
 */
export async function addGiveawayChapters({ list, section, chapters, showId, seek }) {
  const pinItems = [...list.children];
  let giveaways = [];
  try {
    giveaways = (await get(`/api/shows/${encodeURIComponent(showId)}/giveaways`)).giveaways || [];
  } catch (_unreachable) {
    return; // the replay plays without them
  }
  for (const giveaway of giveaways) {
    let result = ""; // not drawn: nothing to say but the prize
    if (giveaway.state === "drawn" || giveaway.state === "claimed") {
      result = giveaway.winner ? t("giveaway.winner", { name: giveaway.winner.name }) : t("giveaway.no_entries");
    }
    const button = el(
      "button",
      { type: "button", className: "chapter giveaway-chapter", dataset: { giveawayId: giveaway.id } },
      el("time", { className: "chapter-time", textContent: formatShowTime(giveaway.offset_ms) }),
      el(
        "span",
        { className: "chapter-title" },
        el("span", { className: "giveaway-flag", textContent: t("giveaway.flag") }),
        ` ${giveaway.product.title}${result ? " · " : ""}`, // text, never markup
        result,
      ),
    );
    button.addEventListener("click", () => seek(giveaway.offset_ms));
    const next = chapters.findIndex((chapter) => chapter.offset_ms > giveaway.offset_ms);
    list.insertBefore(el("li", {}, button), next >= 0 ? pinItems[next] : null);
  }
  if (giveaways.length) {
    section.hidden = false;
  }
}
