// "Notify me on this device": the service worker, the browser's permission and its
// push subscription, kept by the server (POST /api/push/subscriptions).
import { el } from "./dom.js";
import { errorText, get, post, request } from "./http.js";
import { language, setText } from "./i18n.js";

/** Whether this browser can take Web Push at all. */
function supported() {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

function keyBytes(base64url) {
  const text = atob(base64url.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}

async function currentSubscription() {
  const registration = await navigator.serviceWorker.getRegistration("/");
  return registration ? registration.pushManager.getSubscription() : null;
}

async function subscribe() {
  const registration = await navigator.serviceWorker.register("/sw.js", { type: "module", scope: "/" });
  if ((await Notification.requestPermission()) !== "granted") {
    throw new Error("permission");
  }
  const { public_key: key } = await get("/api/push/key");
  const subscription = await registration.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: keyBytes(key),
  });
  await post("/api/push/subscriptions", { ...subscription.toJSON(), lang: language() });
}

async function unsubscribe() {
  const subscription = await currentSubscription();
  if (subscription) {
    await request("DELETE", "/api/push/subscriptions", { endpoint: subscription.endpoint });
    await subscription.unsubscribe();
  }
}

/** The row in the bell's panel: a switch for this device, or nothing where push cannot work. */
export function pushDeviceRow() {
  if (!supported()) {
    return null;
  }
  const box = el("input", { type: "checkbox" });
  const words = el("span", {});
  setText(words, "notify.push_device");
  const note = el("span", { className: "muted bell-push-note", attrs: { role: "status" } });
  const refresh = async () => {
    box.checked = Boolean(await currentSubscription().catch(() => null));
    box.disabled = Notification.permission === "denied";
    if (box.disabled) {
      setText(note, "notify.push_blocked");
    }
  };
  box.addEventListener("change", async () => {
    note.textContent = "";
    box.disabled = true;
    try {
      await (box.checked ? subscribe() : unsubscribe());
    } catch (error) {
      if (error instanceof Error && error.message === "permission") {
        setText(note, "notify.push_blocked");
      } else if (error instanceof DOMException) {
        setText(note, "notify.push_unavailable"); // e.g. no push service in this browser
      } else {
        note.textContent = errorText(error);
      }
    } finally {
      box.disabled = false;
      await refresh();
    }
  });
  refresh();
  return el("label", { className: "check bell-push" }, box, words, note);
}
