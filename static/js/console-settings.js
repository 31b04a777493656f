// Chat settings for all of a creator's shows: blocked words and moderators.
import { notify, showError } from "./console-notice.js";
import "./console-data.js";
import { drawPasskeys } from "./console-passkeys.js";
import { $, el } from "./dom.js";
import { bindFieldErrors } from "./field-errors.js";
import { del, errorText, get, put } from "./http.js";
import { t } from "./i18n.js";

let moderators = [];
const wordErrors = bindFieldErrors({ form: $("words-form"), fields: { words: $("words") }, summary: $("words-error") });

function moderatorRow(moderator) {
  const id = moderator.viewer_id ?? moderator.id;
  const name = moderator.display_name ?? moderator.name ?? String(id);
  const remove = el("button", {
    type: "button",
    className: "secondary small",
    textContent: t("mods.remove"),
    attrs: { "aria-label": t("mods.remove_label", { name }) },
  });
  remove.addEventListener("click", async () => {
    try {
      await del(`/api/moderators/${encodeURIComponent(id)}`);
      moderators = moderators.filter((other) => other !== moderator);
      draw();
    } catch (error) {
      showError($("mods-error"), errorText(error));
    }
  });
  return el("li", { className: "row" }, el("span", { className: "row-main", textContent: name }), remove);
}

function draw() {
  $("mods").replaceChildren(...moderators.map(moderatorRow));
  if (!moderators.length) {
    $("mods").append(el("li", { className: "muted", textContent: t("mods.none") }));
  }
}

async function enter() {
  wordErrors.clear();
  showError($("mods-error"), "");
  try {
    const body = await get("/api/blocked-words");
    $("words", HTMLTextAreaElement).value = (body.words || []).join("\n");
  } catch (error) {
    showError($("words-error"), errorText(error));
  }
  try {
    const body = await get("/api/moderators");
    moderators = body.moderators || [];
  } catch (error) {
    moderators = [];
    showError($("mods-error"), errorText(error));
  }
  draw();
  await drawPasskeys();
}

$("words-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const words = $("words", HTMLTextAreaElement)
    .value.split("\n")
    .map((word) => word.trim())
    .filter(Boolean);
  try {
    const body = await put("/api/blocked-words", { words });
    $("words", HTMLTextAreaElement).value = ((body && body.words) || words).join("\n");
    wordErrors.clear();
    notify("common.saved");
  } catch (error) {
    wordErrors.show(error);
  }
});

/** Say the drawn lists again in a newly chosen language (the passkeys' too). */
function relabel() {
  draw();
  drawPasskeys();
}

export const settingsView = { section: "view-settings", enter, relabel };
