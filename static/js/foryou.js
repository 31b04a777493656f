// The home page's "For you" row: GET /api/feed ranks live, upcoming and replays
// for this browser's guest, each card saying why it is there; a switch turns
// learning off (then the row is what is popular and new) and is remembered.
import { el } from "./dom.js";
import { cardFollow } from "./follow-button.js";
import { get, put } from "./http.js";
import { setText, t } from "./i18n.js";
import { showCard } from "./show-cards.js";

export const FEED_ROW = 8;
// The feed's kinds as the show cards name them.
const CARD_KINDS = { live: "live", upcoming: "upcoming", replay: "past" };

/**
 * The card's reason line, worded in the page's language with the names as text
 * (a category comes as its id and is named in the page's language; the row is
 * drawn again on a language switch).
 */
function reasonLine(reason) {
  const line = el("p", { className: "reason", dataset: { reason: reason.code } });
  const params = { ...reason.params };
  if (params.category) {
    params.category = t(`category.${params.category}.name`);
  }
  setText(line, `feed.reason.${reason.code}`, params);
  return line;
}

/** One feed item as a show card with its reason under the title. */
export function feedCard(item) {
  const li = showCard(item.show, CARD_KINDS[item.kind], { creatorAction: cardFollow(item.show.creator) });
  li.querySelector(".show-card")?.append(reasonLine(item.reason));
  return li;
}

export class ForYou {
  /**
   * `list` (<ul>), `empty` (note), `toggle` (checkbox) and `toggleRow` (its label,
   * shown to a guest only) are the page's elements; `onError(error)` reports a failure.
   * @param {{list: HTMLElement, empty: HTMLElement, toggle: HTMLInputElement, toggleRow: HTMLElement,
   *   offNote: HTMLElement, onError: (error: unknown) => void}} options
   */
  constructor({ list, empty, toggle, toggleRow, offNote, onError }) {
    this.list = list;
    this.empty = empty;
    this.toggle = toggle;
    this.toggleRow = toggleRow;
    this.offNote = offNote;
    this.onError = onError;
    this.items = [];
    this.settings = null;
    toggle.addEventListener("change", () => this.switchTo(toggle.checked));
  }

  /** Load the feed's first row and the switch's state. */
  async refresh() {
    const [feed, settings] = await Promise.all([get(`/api/feed?limit=${FEED_ROW}`), get("/api/feed/settings")]);
    this.items = feed.items;
    this.settings = settings;
  }

  /** Turn learning on or off, then show the row that follows from it. */
  async switchTo(on) {
    this.toggle.disabled = true;
    try {
      this.settings = await put("/api/feed/settings", { personalised: on });
      this.items = (await get(`/api/feed?limit=${FEED_ROW}`)).items;
      this.render();
    } catch (error) {
      this.toggle.checked = !on;
      this.onError(error);
    } finally {
      this.toggle.disabled = false;
    }
  }

  render() {
    if (!this.settings) {
      return;
    }
    this.list.replaceChildren(...this.items.map(feedCard));
    this.empty.hidden = this.items.length > 0;
    // Only a guest (someone who chose a name) has anything learnt to switch off.
    this.toggleRow.hidden = !this.settings.viewer;
    this.toggle.checked = this.settings.personalised;
    this.offNote.hidden = !this.settings.viewer || this.settings.personalised;
  }
}
