// Moderation buttons on chat messages (the creator, or moderators they named).
import { el } from "./dom.js";
import { del, errorText, post } from "./http.js";
import { t } from "./i18n.js";

const MUTE_SECONDS = 300;

/**
 * `actionsFor(message)` for a chat view: delete, mute 5 min, ban and (for the
 * creator) make moderator. `can()` returns the role allowed to moderate now:
 * "creator", "moderator" or null. `report(text)` shows outcomes and errors.
 */
export function moderationActions(showId, { can, report }) {
  const base = `/api/shows/${encodeURIComponent(showId)}`;

  function button(labelKey, name, action) {
    const node = el("button", {
      type: "button",
      className: "mini",
      textContent: t(labelKey),
      attrs: { "aria-label": t(`${labelKey}_label`, { name }) },
    });
    node.addEventListener("click", async () => {
      node.disabled = true;
      try {
        await action();
      } catch (error) {
        report(errorText(error));
      } finally {
        node.disabled = false;
      }
    });
    return node;
  }

  return (message) => {
    const role = can();
    const author = message.author || {};
    if (!role || author.role === "creator") {
      return [];
    }
    const name = author.name || "";
    const buttons = [
      button("mod.delete", name, () => del(`${base}/chat/${encodeURIComponent(message.id)}`)),
    ];
    if (author.id && author.role !== "moderator") {
      buttons.push(
        button("mod.mute", name, async () => {
          const muted = await post(`${base}/mutes`, {
            viewer_id: author.id,
            seconds: MUTE_SECONDS,
          });
          // The mute holds the guest's network too: say so, a household may share it.
          report(t(muted && muted.address_held ? "mod.muted_address" : "mod.muted", { name }));
        }),
        button("mod.ban", name, async () => {
          const banned = await post(`${base}/bans`, { viewer_id: author.id });
          report(t(banned && banned.address_held ? "mod.banned_address" : "mod.banned", { name }));
        }),
      );
      if (role === "creator") {
        buttons.push(
          button("mod.make_moderator", name, async () => {
            await post("/api/moderators", { viewer_id: author.id });
            report(t("mod.made_moderator", { name }));
          }),
        );
      }
    }
    return buttons;
  };
}
