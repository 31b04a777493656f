// The shop's direct messages in the console (/console/messages): conversations
// with unread ones first, and the open one's thread (cards, reply, block, report).
// New messages arrive live; the nav link shows how many are unread.
import { fetchMe } from "./console-auth.js";
import { navigate } from "./console-router.js";
import { $ } from "./dom.js";
import { errorText } from "./http.js";
import { setText } from "./i18n.js";
import { fetchInbox, listenForMessages } from "./messages-api.js";
import { createThread, inboxList } from "./messages-thread.js";

let shopId = null;
let openId = null;
let thread = null;
let stopListening = null;

function showUnread(count) {
  const badge = $("nav-messages-unread");
  badge.hidden = !count;
  badge.textContent = count ? String(count) : "";
}

async function loadInbox() {
  if (!shopId) {
    return;
  }
  try {
    const body = await fetchInbox(shopId);
    showUnread(body.unread);
    if (!$("view-messages").hidden) {
      $("console-dm-inbox").replaceChildren(
        inboxList(body.conversations, openId, (id) => navigate(`/console/messages/${encodeURIComponent(id)}`)),
      );
    }
  } catch (failure) {
    $("console-dm-error").textContent = errorText(failure);
  }
}

/** Listen for the shop's messages (once signed in) so the nav badge stays current. */
export async function watchShopMessages() {
  if (stopListening) {
    return;
  }
  const me = await fetchMe();
  if (!me) {
    return;
  }
  shopId = me.id;
  stopListening = listenForMessages(shopId, (news) => {
    loadInbox();
    if (thread && (news.type === "resync" || news.conversation_id === thread.id)) {
      thread.refresh();
    }
  });
}

export const messagesView = {
  section: "view-messages",
  async enter(conversationId) {
    await watchShopMessages();
    openId = conversationId || null;
    $("console-dm-layout").dataset.open = openId ? "thread" : "";
    $("console-dm-thread").hidden = !openId;
    thread = openId ? createThread($("console-dm-thread-body"), openId, { onChange: loadInbox }) : null;
    $("console-dm-hint").hidden = Boolean(openId);
    setText($("console-dm-hint"), "messages.console_hint");
    await loadInbox();
  },
  leave() {
    thread = null;
    openId = null;
  },
  relabel() {
    loadInbox();
    if (thread) {
      thread.refresh();
    }
  },
};
