// A live chat list: messages appended as text, deleted ones removed, the view
// kept scrolled to the newest unless the reader scrolled up.
import { el } from "./dom.js";
import { timeElement } from "./format.js";
import { t } from "./i18n.js";

const MAX_MESSAGES = 200;

/**
 * `list` is a <ol>; `actionsFor(message)` may return buttons to add to a
 * message (moderation), or nothing.
 * @param {HTMLElement} list
 * @param {{actionsFor?: (message: any) => HTMLElement[]}} [options]
 */
export function createChatView(list, { actionsFor = () => [] } = {}) {
  function nearBottom() {
    return list.scrollHeight - list.scrollTop - list.clientHeight < 48;
  }

  function item(message) {
    const author = message.author || {};
    const role = author.role || "viewer";
    const name = el("span", { className: "chat-name", textContent: author.name || t("chat.someone") });
    const badge =
      role === "creator" || role === "moderator"
        ? el("span", { className: "chat-role", dataset: { role }, textContent: t(`role.${role}`) })
        : null;
    const time = timeElement(message.at * 1000, "clock", "chat-time"); // `at`: epoch seconds; re-worded on a language switch
    const text = el("span", { className: "chat-text", textContent: message.text }); // never markup
    const actions = actionsFor(message) || [];
    return el(
      "li",
      { className: "chat-message", dataset: { id: String(message.id), role, author: String(author.id ?? "") } },
      el("span", { className: "chat-head" }, name, badge, time),
      text,
      actions.length ? el("span", { className: "chat-actions" }, ...actions) : null,
    );
  }

  return {
    /** Replace everything (a snapshot). */
    reset(messages) {
      list.replaceChildren(...(messages || []).slice(-MAX_MESSAGES).map(item));
      list.scrollTop = list.scrollHeight;
    },
    /** Append one message. */
    add(message) {
      const stick = nearBottom();
      if (list.querySelector(`[data-id="${CSS.escape(String(message.id))}"]`)) {
        return; // already shown (snapshot and live event overlap)
      }
      list.append(item(message));
      while (list.children.length > MAX_MESSAGES) {
        list.firstElementChild?.remove();
      }
      if (stick) {
        list.scrollTop = list.scrollHeight;
      }
    },
    /** Remove a deleted message. */
    remove(id) {
      const node = list.querySelector(`[data-id="${CSS.escape(String(id))}"]`);
      if (node) {
        node.remove();
      }
    },
  };
}
