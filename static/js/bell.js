// The notification bell in a page's header: the unread count, the list (each one
// opens its show or order), "mark all read", what to be told of, and new ones live
// from GET /api/notifications/stream (server-sent events).
import { el } from "./dom.js";
import { timeElement } from "./format.js";
import { errorText, get, post, put } from "./http.js";
import { onLanguageChange, setText, t } from "./i18n.js";
import { pushDeviceRow } from "./push-device.js";

const KINDS = ["live", "reminder_soon", "reminder_live", "shipped", "message", "outbid"];
const enc = encodeURIComponent;

/** Where a notification leads: its conversation, show or order page. */
function hrefOf(item) {
  const params = item.params || {};
  if (item.kind === "message" && params.conversation_id) {
    return `/messages?c=${enc(params.conversation_id)}`;
  }
  if (params.show_id && item.kind !== "outbid") {
    return `/watch/${enc(params.show_id)}`;
  }
  if (params.order_id) {
    return `/orders/${enc(params.order_id)}`;
  }
  if (item.kind === "outbid" && params.show_id) {
    return `/watch/${enc(params.show_id)}`;
  }
  return null;
}

class Bell {
  constructor(header) {
    this.items = [];
    this.unread = 0;
    this.source = null;
    this.count = el("span", { className: "bell-count", hidden: true, attrs: { "aria-hidden": "true" } });
    this.button = el(
      "button",
      { className: "bell", type: "button", hidden: true, attrs: { "aria-expanded": "false", "aria-haspopup": "true" } },
      bellIcon(),
      this.count,
    );
    this.button.addEventListener("click", () => this.toggle());
    this.list = el("ol", { className: "bell-list" });
    this.empty = el("p", { className: "muted bell-empty" });
    setText(this.empty, "notify.empty");
    this.markAll = el("button", { type: "button", className: "link-button" });
    setText(this.markAll, "notify.mark_all");
    this.markAll.addEventListener("click", () => this.read(null));
    const heading = el("h2", {});
    setText(heading, "notify.title");
    this.error = el("p", { className: "error", attrs: { role: "alert" } });
    this.settings = el("fieldset", { className: "bell-settings" });
    const summary = el("summary", {});
    setText(summary, "notify.settings");
    this.panel = el(
      "section",
      { className: "bell-panel", hidden: true, attrs: { "aria-label": t("notify.title") } },
      el("div", { className: "bell-head" }, heading, this.markAll),
      this.list,
      this.empty,
      this.error,
      el("details", {}, summary, pushDeviceRow(), this.settings),
    );
    const wrap = el("div", { className: "bell-wrap" }, this.button, this.panel);
    const lang = header.querySelector(".lang-switch");
    header.insertBefore(wrap, lang);
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !this.panel.hidden) {
        this.toggle(false);
        this.button.focus();
      }
    });
    document.addEventListener("click", (event) => {
      if (!this.panel.hidden && !wrap.contains(/** @type {Node} */ (event.target))) {
        this.toggle(false);
      }
    });
    onLanguageChange(() => this.render());
    // Someone who just chose a guest name on this page gets a bell without a reload.
    window.addEventListener("livesale:viewer", () => this.start());
  }

  /** Load the list; with a guest identity, show the bell and follow the stream. */
  async start() {
    try {
      const body = await get("/api/notifications");
      if (!body.viewer) {
        return;
      }
      this.items = body.items;
      this.unread = body.unread;
      this.button.hidden = false;
      this.render();
      this.listen();
    } catch (_unavailable) {
      // no bell when the list cannot load; the page works without it
    }
  }

  listen() {
    if (this.source) {
      return;
    }
    this.source = new EventSource("/api/notifications/stream");
    this.source.addEventListener("ready", (event) => {
      this.unread = JSON.parse(/** @type {MessageEvent} */ (event).data).unread;
      this.render();
    });
    this.source.addEventListener("notification", (event) => {
      const item = JSON.parse(/** @type {MessageEvent} */ (event).data);
      const known = this.items.findIndex((each) => each.id === item.id);
      if (known >= 0) {
        this.items.splice(known, 1);
      } else {
        this.unread += 1;
      }
      this.items.unshift(item);
      this.render();
    });
    // EventSource reconnects by itself; `ready` then brings the count up to date.
  }

  toggle(open = this.panel.hidden) {
    this.panel.hidden = !open;
    this.button.setAttribute("aria-expanded", String(open));
    if (open) {
      this.loadSettings();
    }
  }

  render() {
    this.count.hidden = this.unread === 0;
    this.count.textContent = this.unread > 99 ? "99+" : String(this.unread);
    this.button.dataset.unread = String(this.unread);
    this.button.setAttribute(
      "aria-label",
      this.unread ? t("notify.bell_unread", { count: this.unread }) : t("notify.title"),
    );
    this.panel.setAttribute("aria-label", t("notify.title"));
    this.list.replaceChildren(...this.items.map((item) => this.row(item)));
    this.empty.hidden = this.items.length > 0;
    this.markAll.hidden = this.unread === 0;
  }

  row(item) {
    const words = el("span", { className: "bell-text" });
    // Names and titles are people's text: `t` inserts them as text into a text node.
    setText(words, `notify.kind.${item.kind}`, item.params || {});
    const more = item.more ? el("span", { className: "muted bell-more" }) : null;
    if (more) {
      setText(more, "notify.more", { count: item.more });
    }
    const when = timeElement(item.created_at * 1000, "datetime", "muted");
    const href = hrefOf(item);
    const body = href
      ? el("a", { href, className: "bell-item" }, words, more, when)
      : el("span", { className: "bell-item" }, words, more, when);
    body.addEventListener("click", async (event) => {
      if (item.read) {
        return;
      }
      if (event.ctrlKey || event.metaKey || event.shiftKey) {
        this.read([item.id]); // opened in another tab: this page stays to finish it
        return;
      }
      // Marked read before the page goes: a request left behind by the navigation is cancelled.
      event.preventDefault();
      await this.read([item.id]);
      if (href) {
        location.assign(href);
      }
    });
    return el("li", { dataset: { kind: item.kind, read: String(item.read) } }, body);
  }

  /** Mark `ids` read (all when null); the count follows the server's answer. */
  async read(ids) {
    this.error.textContent = "";
    try {
      const body = await post("/api/notifications/read", ids ? { ids } : {});
      for (const item of this.items) {
        if (!ids || ids.includes(item.id)) {
          item.read = true;
        }
      }
      this.unread = body.unread;
      this.render();
    } catch (error) {
      this.error.textContent = errorText(error);
    }
  }

  async loadSettings() {
    try {
      const { kinds } = await get("/api/notifications/settings");
      this.settings.replaceChildren(...KINDS.map((kind) => this.setting(kind, kinds[kind] !== false)));
    } catch (error) {
      this.error.textContent = errorText(error);
    }
  }

  setting(kind, on) {
    const box = el("input", { type: "checkbox", checked: on, dataset: { kind } });
    box.addEventListener("change", async () => {
      try {
        await put("/api/notifications/settings", { kinds: { [kind]: box.checked } });
      } catch (error) {
        box.checked = !box.checked;
        this.error.textContent = errorText(error);
      }
    });
    const words = el("span", {});
    setText(words, `notify.setting.${kind}`);
    return el("label", { className: "check" }, box, words);
  }
}

function bellIcon() {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("fill", "none");
  svg.setAttribute("stroke", "currentColor");
  svg.setAttribute("stroke-width", "2");
  for (const d of ["M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9", "M13.7 21a2 2 0 0 1-3.4 0"]) {
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  return svg;
}

/** Put the bell in the page's header (after `initI18n`, before its language switch). */
export function mountBell(header = document.querySelector("header.bar")) {
  if (!header) {
    return null;
  }
  const bell = new Bell(header);
  bell.start();
  return bell;
}
