// Follow a creator as this browser's guest: the button, the follower count, and
// (for someone who has no guest name yet) a one-field form that picks one first.
// Every button of one creator on a page shows the same state (the home page's cards).
import { withChallenge } from "./challenge.js";
import { el } from "./dom.js";
import { del, errorText, get, put, ServerError } from "./http.js";
import { setText, t } from "./i18n.js";

const enc = encodeURIComponent;
/** @type {Map<string, any>} each creator's state as this page last read or changed it */
const known = new Map();
/** @type {Map<string, Promise<any>>} one read per creator, shared by the page's cards */
const reading = new Map();
/** @type {WeakMap<Element, FollowButton>} a button element's FollowButton */
const owners = new WeakMap();

/** Keep `state` for the creator and draw every button of theirs on the page with it. */
function share(creatorId, state) {
  known.set(creatorId, state);
  for (const button of document.querySelectorAll(".follow-button[data-creator-id]")) {
    const owner = owners.get(button);
    if (owner && owner.creatorId === creatorId) {
      owner.state = state;
      owner.render();
    }
  }
}

/** Word the follower count in the page's language ("1 follower", "12 followers"). */
export function setFollowers(element, count) {
  setText(element, "follow.followers", { count });
  element.dataset.count = String(count);
}

export class FollowButton {
  /**
   * Build the row inside `root` for the creator `creatorId`. `compact` leaves the count
   * out (the watch page's header); `askName()`, when given, is how the page asks a
   * newcomer for a name instead of the row's own form.
   * @param {HTMLElement} root
   * @param {string} creatorId
   * @param {{compact?: boolean, askName?: (() => void) | null}} [options]
   */
  constructor(root, creatorId, { compact = false, askName = null } = {}) {
    this.creatorId = creatorId;
    this.askName = askName;
    this.state = null;
    this.count = el("span", { className: "followers", attrs: { "aria-live": "polite" } });
    this.button = el("button", { className: "follow-button", type: "button", hidden: true, dataset: { creatorId } });
    owners.set(this.button, this);
    this.button.addEventListener("click", () => this.toggle());
    const words = "placeholder:follow.name_label;aria-label:follow.name_label";
    this.input = el("input", {
      type: "text",
      maxLength: 40,
      autocomplete: "nickname",
      placeholder: t("follow.name_label"),
      dataset: { i18nAttr: words },
      attrs: { "aria-label": t("follow.name_label") },
    });
    const hint = el("p", { className: "muted" });
    setText(hint, "follow.name_hint");
    const save = el("button", { type: "submit" });
    setText(save, "follow.name_save");
    this.nameForm = el("form", { className: "follow-name", hidden: true }, hint, this.input, save);
    this.nameForm.addEventListener("submit", (event) => {
      event.preventDefault();
      this.chooseNameAndFollow();
    });
    this.error = el("p", { className: "error", attrs: { role: "alert" } });
    this.count.hidden = compact;
    root.replaceChildren(this.button, this.count, this.nameForm, this.error);
  }

  get url() {
    return `/api/creators/${enc(this.creatorId)}/follow`;
  }

  /** Read the count and whether this guest follows. */
  async refresh() {
    this.state = await get(this.url);
    this.render();
    share(this.creatorId, this.state);
  }

  /** Use what the page already knows of the creator, else one read shared by their cards. */
  async refreshOnce() {
    if (!known.has(this.creatorId)) {
      if (!reading.has(this.creatorId)) {
        reading.set(
          this.creatorId,
          get(this.url).finally(() => reading.delete(this.creatorId)),
        );
      }
      known.set(this.creatorId, await reading.get(this.creatorId));
    }
    this.state = known.get(this.creatorId);
    this.render();
  }

  /** Show the row's name form (a newcomer sent here to follow). */
  offerName() {
    this.nameForm.hidden = false;
    this.input.focus();
  }

  render() {
    if (!this.state) {
      return;
    }
    setFollowers(this.count, this.state.followers);
    // A creator's own page shows the count, never a button to follow themself.
    this.button.hidden = this.state.own;
    this.button.setAttribute("aria-pressed", String(this.state.following));
    setText(this.button, this.state.following ? "follow.following" : "follow.follow");
  }

  async toggle() {
    this.button.disabled = true;
    this.error.textContent = "";
    try {
      const body = this.state && this.state.following ? await del(this.url) : await put(this.url, {});
      this.state = { ...this.state, ...body };
      this.render();
      share(this.creatorId, this.state); // the page's other cards of this creator too
    } catch (error) {
      if (error instanceof ServerError && error.code === "viewer_required" && this.askName) {
        this.askName();
      } else if (error instanceof ServerError && error.code === "viewer_required") {
        this.offerName();
      } else {
        this.error.textContent = errorText(error);
      }
    } finally {
      this.button.disabled = false;
    }
  }

  async chooseNameAndFollow() {
    const name = this.input.value.trim();
    if (!name) {
      this.input.focus();
      return;
    }
    this.error.textContent = "";
    try {
      await withChallenge((challenge) =>
        put("/api/viewer", challenge ? { display_name: name, challenge } : { display_name: name }),
      );
      this.nameForm.hidden = true;
      window.dispatchEvent(new CustomEvent("livesale:viewer")); // e.g. the bell starts
      await this.toggle();
    } catch (error) {
      this.error.textContent = errorText(error);
    }
  }
}

/**
 * A show card's Follow control for the show's creator (null without one). A newcomer
 * without a name chooses one on the creator's page, which then follows.
 * @param {{id: string} | null | undefined} creator
 */
export function cardFollow(creator) {
  if (!creator || !creator.id) {
    return null;
  }
  const root = el("span", { className: "card-follow" });
  const path = `/creators/${enc(creator.id)}#follow`;
  const button = new FollowButton(root, creator.id, { compact: true, askName: () => location.assign(path) });
  button.refreshOnce().catch(() => {}); // a button that could not load stays hidden
  return root;
}
