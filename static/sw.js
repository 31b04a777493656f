// The service worker: shows a Web Push notification in the language its device
// subscribed in, and opens its conversation, show or order when tapped.
// Registered as a module from /sw.js (scope "/"); it reads the pages' own dictionaries.
import { MESSAGES } from "/static/js/i18n-messages.js";

const worker = /** @type {any} */ (globalThis);

/** `key`'s words in `lang` with `{name}` filled from `params` (English when missing). */
function word(lang, key, params) {
  const table = MESSAGES[lang] || MESSAGES.en;
  const text = table[key] ?? MESSAGES.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (match, name) => (params[name] === undefined ? match : String(params[name])));
}

/** Where a notification leads (as the bell's list does). */
function target(data) {
  const params = data.params || {};
  if (data.kind === "message" && params.conversation_id) {
    return `/messages?c=${encodeURIComponent(params.conversation_id)}`;
  }
  if (params.show_id) {
    return `/watch/${encodeURIComponent(params.show_id)}`;
  }
  if (params.order_id) {
    return `/orders/${encodeURIComponent(params.order_id)}`;
  }
  return "/";
}

worker.addEventListener("push", (event) => {
  const data = event.data ? event.data.json() : {};
  const lang = data.lang || "en";
  const title = word(lang, "notify.title", {});
  const body = word(lang, `notify.kind.${data.kind}`, data.params || {});
  event.waitUntil(
    worker.registration.showNotification(title, {
      body,
      tag: data.id, // the same notification twice replaces, never stacks
      lang,
      icon: "/static/favicon.svg",
      data: { url: target(data) },
    }),
  );
});

worker.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(worker.clients.openWindow(event.notification.data.url));
});
