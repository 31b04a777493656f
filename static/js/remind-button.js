// "Remind me" on an upcoming show as this browser's guest: one button per show,
// on the watch page before the show and on upcoming cards. Which shows this guest
// asked for comes once a page load (GET /api/reminders), so cards drawn again keep it.
import { el } from "./dom.js";
import { del, errorText, get, put, ServerError } from "./http.js";
import { setText } from "./i18n.js";

const enc = encodeURIComponent;
/** @type {Set<string>} the upcoming shows this guest will be reminded of */
const reminded = new Set();
let loaded = null;

/** Read which shows this guest asked to be reminded of (once; later calls share it). */
export function loadReminders() {
  if (!loaded) {
    loaded = get("/api/reminders")
      .then((body) => {
        for (const id of body.show_ids || []) {
          reminded.add(id);
        }
      })
      .catch(() => {}); // buttons then start as "Remind me"; a tap still tells the truth
  }
  return loaded;
}

function render(button, showId) {
  const on = reminded.has(showId);
  button.setAttribute("aria-pressed", String(on));
  setText(button, on ? "remind.reminded" : "remind.remind_me");
}

/**
 * The button for `showId`. `needName()` is how the page gets a guest name first
 * (the watch page's name field; cards open the watch page).
 * @param {string} showId
 * @param {{needName: () => void}} options
 */
export function remindButton(showId, { needName }) {
  const button = el("button", { className: "remind-button", type: "button", dataset: { showId } });
  const error = el("span", { className: "error", attrs: { role: "alert" } });
  render(button, showId);
  button.addEventListener("click", async (event) => {
    event.preventDefault();
    event.stopPropagation(); // a card's own link stays where it is
    button.disabled = true;
    error.textContent = "";
    const url = `/api/shows/${enc(showId)}/reminder`;
    try {
      const body = reminded.has(showId) ? await del(url) : await put(url, {});
      if (body.reminded) {
        reminded.add(showId);
      } else {
        reminded.delete(showId);
      }
      render(button, showId);
    } catch (failure) {
      if (failure instanceof ServerError && failure.code === "viewer_required") {
        needName();
      } else {
        error.textContent = errorText(failure);
      }
    } finally {
      button.disabled = false;
    }
  });
  loadReminders().then(() => render(button, showId));
  return el("span", { className: "remind" }, button, error);
}

/** An upcoming card's button; a guest without a name chooses one on the show's page. */
export function cardRemind(showId) {
  return remindButton(showId, { needName: () => location.assign(`/watch/${enc(showId)}#remind`) });
}
