// Past shows with a replay, newest first, a page at a time: "More" asks for the
// next page with the last answer's `next_before`.
import { get } from "./http.js";
import { showCard } from "./show-cards.js";

export const PAST_PAGE = 12;

export class PastShows {
  /**
   * `list` (<ul>), `more` (button) and `empty` (note) are the page's elements;
   * `creatorId` keeps the list to one creator; `onError(error)` reports a failed load.
   * @param {{list: HTMLElement, more: HTMLButtonElement, empty: HTMLElement, creatorId?: string | null,
   *   withCreator?: boolean, onError: (error: unknown) => void}} options
   */
  constructor({ list, more, empty, creatorId = null, withCreator = true, onError }) {
    this.list = list;
    this.more = more;
    this.empty = empty;
    this.creatorId = creatorId;
    this.withCreator = withCreator;
    this.onError = onError;
    this.shows = [];
    this.next = null;
    this.paged = false;
    more.addEventListener("click", () => this.loadMore());
  }

  url(before) {
    const query = new URLSearchParams({ replay: "1", limit: String(PAST_PAGE) });
    if (this.creatorId) {
      query.set("creator_id", this.creatorId);
    }
    if (before) {
      query.set("before", before);
    }
    return `/api/shows?${query}`;
  }

  /** Show a first page the caller already has (`shows`, `next_before`). */
  set(shows, next) {
    this.shows = shows;
    this.next = next;
    this.render();
  }

  /** (Re)load the first page, unless the reader has paged further (their place is kept). */
  async refresh() {
    if (this.paged) {
      return;
    }
    const body = await get(this.url(null));
    this.set(body.shows, body.next_before);
  }

  async loadMore() {
    if (!this.next) {
      return;
    }
    this.more.disabled = true;
    try {
      const body = await get(this.url(this.next));
      this.paged = true;
      this.shows = this.shows.concat(body.shows);
      this.next = body.next_before;
      this.render();
    } catch (error) {
      this.onError(error);
    } finally {
      this.more.disabled = false;
    }
  }

  render() {
    this.list.replaceChildren(
      ...this.shows.map((show) => showCard(show, "past", { withCreator: this.withCreator })),
    );
    this.empty.hidden = this.shows.length > 0;
    this.more.hidden = !this.next;
  }
}
