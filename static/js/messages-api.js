// Direct messages over HTTP: inboxes, threads, sending, block and report.
import { del, get, post, put } from "./http.js";

const conversationUrl = (id) => `/api/conversations/${encodeURIComponent(id)}`;

/** The signed-in viewer's inbox (`shopId` given: that shop's, for its creator or moderators). */
export const fetchInbox = (shopId) =>
  get(shopId ? `/api/shops/${encodeURIComponent(shopId)}/messages` : "/api/messages");

/** One conversation and its last messages (reading marks them read). */
export const fetchThread = (id) => get(conversationUrl(id));

/** Write to a shop (opens the conversation): `about` is `{order_id}` or `{product_id}` or `{}`. */
export const writeToShop = (creatorId, text, about = {}) =>
  post(`/api/creators/${encodeURIComponent(creatorId)}/messages`, { text, ...about });

/** Write in a conversation, from either side. */
export const sendMessage = (id, text, about = {}) => post(`${conversationUrl(id)}/messages`, { text, ...about });

/** Block (or unblock) the other side of a conversation. */
export const setBlocked = (id, on) => (on ? put(`${conversationUrl(id)}/block`, {}) : del(`${conversationUrl(id)}/block`));

/** Report the conversation to the operator. */
export const reportConversation = (id, reason) => post(`${conversationUrl(id)}/reports`, { reason });

/**
 * Call `onNews(event)` for each direct-message event of the caller (and of
 * shop `shopId`); the browser reconnects by itself. Returns a stop function.
 */
export function listenForMessages(shopId, onNews) {
  const url = shopId ? `/api/messages/events?shop=${encodeURIComponent(shopId)}` : "/api/messages/events";
  const source = new EventSource(url);
  source.addEventListener("message", (event) => {
    try {
      onNews(JSON.parse(event.data));
    } catch (_bad) {
      // Not ours to show: the next event or a reload brings the page up to date.
    }
  });
  // A reconnect may have missed news: read again.
  source.addEventListener("open", () => onNews({ type: "resync" }));
  return () => source.close();
}
