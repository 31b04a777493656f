// One direct-message conversation: its messages (order and product cards),
// the reply box, and block / report. Used by /messages and the console.
import { el } from "./dom.js";
import { formatDateTime, formatMoney } from "./format.js";
import { errorText } from "./http.js";
import { t } from "./i18n.js";
import { fetchThread, reportConversation, sendMessage, setBlocked } from "./messages-api.js";

/** A message's order or product card; text only ever as text. */
export function cardOf(card) {
  if (!card) {
    return null;
  }
  if (card.missing) {
    return el("p", { className: "dm-card muted", textContent: t(`messages.card_missing.${card.kind}`) });
  }
  if (card.kind === "product") {
    return el(
      "div",
      { className: "dm-card", dataset: { kind: "product" } },
      card.image_url ? el("img", { src: card.image_url, alt: "", width: 48, height: 48 }) : null,
      el(
        "div",
        {},
        el("strong", { textContent: card.title, dir: "auto" }),
        el("span", { className: "muted", textContent: formatMoney(card.price_minor, card.currency) }),
      ),
    );
  }
  return el(
    "div",
    { className: "dm-card", dataset: { kind: "order" } },
    el(
      "div",
      {},
      el("strong", { textContent: t("messages.card_order", { id: card.id.slice(0, 8) }) }),
      el("span", { textContent: card.title, dir: "auto" }),
      el("span", {
        className: "muted",
        textContent: `${t(`order.status.${card.status}`)} · ${formatMoney(card.total_minor, card.currency)}`,
      }),
    ),
  );
}

function bubble(message) {
  const author = message.author ? el("span", { className: "dm-author", textContent: message.author.name, dir: "auto" }) : null;
  return el(
    "li",
    { className: `dm-message ${message.mine ? "mine" : "theirs"}`, dataset: { id: String(message.id), side: message.side } },
    author,
    cardOf(message.card),
    // dir="auto": a Latin message in an Arabic page keeps its punctuation where it was typed.
    el("p", { className: "dm-text", textContent: message.text, dir: "auto" }),
    el("time", { className: "dm-time muted", textContent: formatDateTime(message.created_at) }),
  );
}

/**
 * Show conversation `id` in `root`; `about` is attached to the next message
 * sent (`{order_id}` or `{product_id}`). Returns `{refresh(), id}`;
 * `onChange()` runs after a send, block or read (to update the inbox).
 * `canWrite` false (a guest without an account) reads, blocks and reports only.
 */
export function createThread(root, id, { about = {}, onChange = () => {}, canWrite = true } = {}) {
  let pending = { ...about };
  let conversation = null;
  const list = el("ol", { className: "dm-messages", attrs: { "aria-live": "polite" } });
  const status = el("p", { className: "dm-status muted", attrs: { role: "status" } });
  const error = el("p", { className: "error", attrs: { role: "alert" } });
  const input = el("textarea", {
    className: "dm-input",
    name: "text",
    rows: 2,
    maxLength: 1000,
    attrs: { "aria-label": t("messages.write"), enterkeyhint: "send" },
    placeholder: t("messages.write"),
  });
  const send = el("button", { type: "submit", className: "primary", textContent: t("messages.send") });
  const form = el("form", { className: "dm-compose" }, input, send);
  const blockButton = el("button", { type: "button", className: "secondary small dm-block" });
  const reportButton = el("button", { type: "button", className: "secondary small dm-report", textContent: t("messages.report") });
  const heading = el("h2", { className: "dm-with", dir: "auto" });
  const header = el("div", { className: "dm-thread-head" }, heading, el("div", { className: "dm-tools" }, blockButton, reportButton));
  root.replaceChildren(header, list, status, error, form);

  function render(body) {
    conversation = body.conversation;
    heading.textContent = conversation.with.name; // text, never markup
    blockButton.textContent = t(conversation.blocked_by_me ? "messages.unblock" : "messages.block");
    form.hidden = conversation.blocked || !canWrite;
    status.textContent = conversation.blocked
      ? t(conversation.blocked_by_me ? "messages.you_blocked" : "messages.they_blocked")
      : canWrite
        ? ""
        : t("messages.join_to_answer");
    list.replaceChildren(...body.messages.map(bubble));
    list.lastElementChild?.scrollIntoView({ block: "end" });
  }

  async function refresh() {
    try {
      render(await fetchThread(id));
      onChange();
    } catch (failure) {
      error.textContent = errorText(failure);
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) {
      return;
    }
    send.disabled = true;
    error.textContent = "";
    try {
      await sendMessage(id, text, pending);
      pending = {};
      input.value = "";
      await refresh();
    } catch (failure) {
      error.textContent = errorText(failure);
    } finally {
      send.disabled = false;
    }
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  blockButton.addEventListener("click", async () => {
    try {
      await setBlocked(id, !(conversation && conversation.blocked_by_me));
      await refresh();
    } catch (failure) {
      error.textContent = errorText(failure);
    }
  });
  reportButton.addEventListener("click", async () => {
    const reason = window.prompt(t("messages.report_reason"));
    if (!reason || !reason.trim()) {
      return;
    }
    try {
      await reportConversation(id, reason.trim());
      status.textContent = t("messages.reported");
    } catch (failure) {
      error.textContent = errorText(failure);
    }
  });
  refresh();
  return { refresh, id };
}

/** An inbox list: each conversation with its name, last words and unread count. */
export function inboxList(conversations, selected, onOpen) {
  if (!conversations.length) {
    return el("p", { className: "muted dm-empty", textContent: t("messages.empty") });
  }
  return el(
    "ul",
    { className: "dm-inbox" },
    ...conversations.map((item) => {
      const button = el(
        "button",
        {
          type: "button",
          className: `dm-entry${item.unread ? " unread" : ""}`,
          dataset: { id: item.id },
          attrs: item.id === selected ? { "aria-current": "true" } : {},
        },
        el("strong", { className: "dm-entry-name", textContent: item.with.name, dir: "auto" }),
        item.unread ? el("span", { className: "dm-unread", textContent: t("messages.unread", { count: item.unread }) }) : null,
        el("span", { className: "dm-entry-last muted", textContent: item.last ? item.last.text : "", dir: "auto" }),
      );
      button.addEventListener("click", () => onOpen(item.id));
      return el("li", {}, button);
    }),
  );
}
