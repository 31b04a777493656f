// The console's giveaways: "Giveaway" on a product of the bag opens the start
// dialog (variant, how long, rules); the panel under the pin shows the live
// entry count and clock, the draw button once the entries close, the winner
// and the seed, and whether the winner has claimed.
import { el } from "./dom.js";
import { formatCount, formatDuration } from "./format.js";
import { openDrawCheck } from "./giveaway-verify.js";
import { errorText, get, post } from "./http.js";
import { onLanguageChange, setText, t } from "./i18n.js";

const DURATIONS = [15, 30, 60, 120, 180, 300];
const DEFAULT_DURATION = 60;

let showId = null;
let giveaway = null;
let skew = 0; // this device's clock minus the server's
let error = "";
let timer = null;
/** @type {HTMLElement | null} */
let panel = null;

const base = () => `/api/shows/${encodeURIComponent(showId)}/giveaways`;
const serverNow = () => Date.now() - skew;

function learn(update) {
  if (typeof update.server_now_ms === "number") {
    skew = Date.now() - update.server_now_ms;
  }
  giveaway = giveaway && giveaway.id === update.id ? { ...giveaway, ...update } : update;
  error = "";
  draw();
}

function state() {
  if (giveaway.state === "open" && serverNow() >= giveaway.ends_at_ms) {
    return "closed";
  }
  return giveaway.state;
}

async function drawWinner(button) {
  button.disabled = true;
  try {
    const body = await post(`${base()}/${encodeURIComponent(giveaway.id)}/draw`);
    learn(body.giveaway);
  } catch (failure) {
    error = errorText(failure);
    draw();
  }
}

function draw() {
  clearTimeout(timer);
  if (!panel) {
    return;
  }
  if (!giveaway) {
    panel.hidden = true;
    panel.replaceChildren();
    return;
  }
  const current = state();
  panel.hidden = false;
  panel.dataset.state = current;
  const flag = el("span", { className: "giveaway-flag" });
  setText(flag, "giveaway.flag");
  const parts = [
    el(
      "div",
      { className: "giveaway-head" },
      flag,
      el("strong", { className: "giveaway-title", textContent: giveaway.product.title }),
    ),
  ];
  const count = el("span", { className: "giveaway-count" });
  setText(count, "giveaway.entered_count", { n: formatCount(giveaway.entries_count) });
  const actions = el("div", { className: "giveaway-actions" });
  if (current === "open") {
    const clock = el("strong", { className: "giveaway-clock", attrs: { role: "timer" } });
    setText(clock, "giveaway.ends_in", { time: formatDuration(giveaway.ends_at_ms - serverNow()) });
    parts.push(el("p", { className: "giveaway-meta" }, clock, " · ", count));
    timer = setTimeout(draw, 1000 - (serverNow() % 1000) + 20);
  } else if (current === "closed") {
    parts.push(el("p", { className: "giveaway-meta" }, count));
    const button = el("button", { type: "button", className: "primary small giveaway-draw" });
    setText(button, "giveaway.draw");
    button.addEventListener("click", () => drawWinner(button));
    actions.append(button);
  } else {
    const result = el("p", { className: "giveaway-result" });
    if (giveaway.winner) {
      setText(result, "giveaway.winner", { name: giveaway.winner.name }); // text, never markup
    } else {
      setText(result, "giveaway.no_entries");
    }
    parts.push(result, el("p", { className: "giveaway-meta" }, count));
    if (giveaway.winner) {
      const claim = el("p", { className: "muted giveaway-claim-state" });
      setText(claim, giveaway.claimed ? "giveaway.claimed" : "giveaway.not_claimed");
      parts.push(claim);
    }
    const check = el("button", { type: "button", className: "link giveaway-check-open" });
    setText(check, "giveaway.check");
    check.addEventListener("click", () => openDrawCheck(giveaway.id));
    actions.append(check);
  }
  parts.push(actions);
  if (error) {
    parts.push(el("p", { className: "error", textContent: error, attrs: { role: "alert" } }));
  }
  panel.replaceChildren(...parts);
}

/** The start dialog for `product` (a product of the bag). */
function openStart(product) {
  const variants = product.variants.filter((variant) => !variant.archived);
  const heading = el("h3", { id: "giveaway-start-title" });
  setText(heading, "giveaway.start_title", { title: product.title });
  const variantSelect = el(
    "select",
    { id: "giveaway-variant", required: true },
    ...variants.map((variant) =>
      el("option", { value: variant.id, textContent: variant.name || variant.sku, disabled: variant.stock < 1 }),
    ),
  );
  const available = variants.find((variant) => variant.stock > 0);
  if (available) {
    variantSelect.value = available.id;
  }
  const durationSelect = el(
    "select",
    { id: "giveaway-duration" },
    ...DURATIONS.map((seconds) =>
      el("option", { value: String(seconds), textContent: formatDuration(seconds * 1000) }),
    ),
  );
  durationSelect.value = String(DEFAULT_DURATION);
  const rules = el("textarea", { id: "giveaway-rules", maxLength: 500, placeholder: t("giveaway.rules_placeholder") });
  const label = (key, control) => {
    const text = el("span", {});
    setText(text, key);
    return el("label", { className: "field" }, text, control);
  };
  const problem = el("p", { className: "error", attrs: { role: "alert" } });
  const submit = el("button", { type: "submit", className: "primary" });
  setText(submit, "giveaway.start_submit");
  const cancel = el("button", { type: "button", className: "secondary" });
  setText(cancel, "common.cancel");
  const hint = el("p", { className: "muted small-text" });
  setText(hint, "giveaway.start_hint");
  const form = el(
    "form",
    { className: "fields" },
    heading,
    variants.length > 1 ? label("giveaway.variant", variantSelect) : null,
    label("giveaway.duration", durationSelect),
    label("giveaway.rules", rules),
    hint,
    problem,
    el("div", { className: "actions" }, submit, cancel),
  );
  const dialog = el(
    "dialog",
    { className: "console-dialog giveaway-start", attrs: { "aria-labelledby": "giveaway-start-title" } },
    form,
  );
  cancel.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => dialog.remove());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    try {
      const body = await post(base(), {
        variant_id: variantSelect.value,
        duration_seconds: Number(durationSelect.value),
        rules: rules.value,
      });
      learn(body.giveaway);
      dialog.close();
    } catch (failure) {
      problem.textContent = errorText(failure);
      submit.disabled = false;
    }
  });
  document.body.append(dialog);
  dialog.showModal();
}

/** The bag row's "Giveaway" button (shown while the show is live). */
export function giveawayButton(product) {
  const button = el("button", {
    type: "button",
    className: "secondary small",
    textContent: t("giveaway.start"),
    dataset: { action: "giveaway" },
    attrs: { "aria-label": t("giveaway.start_label", { title: product.title }) },
  });
  button.addEventListener("click", () => openStart(product));
  return button;
}

/** Start following the giveaways of `show`, with the panel placed after `anchor`. */
export function startGiveaways(show, anchor) {
  stopGiveaways();
  showId = show.id;
  panel = el("section", { className: "giveaway-slot giveaway-panel", attrs: { "aria-live": "polite" } });
  panel.hidden = true;
  anchor.after(panel);
}

/** Leave the show. */
export function stopGiveaways() {
  clearTimeout(timer);
  panel?.remove();
  panel = null;
  giveaway = null;
  showId = null;
}

/** What the console's room does with giveaway events. */
export const giveawayEvents = {
  snapshot: (event) => (event.giveaway ? learn(event.giveaway) : null),
  giveaway_started: (event) => learn(event.giveaway),
  giveaway_closed: (event) => learn(event.giveaway),
  giveaway_drawn: (event) => learn(event.giveaway),
  stock: () => (giveaway && giveaway.winner && !giveaway.claimed ? refreshGiveaway() : null),
  giveaway_entries(event) {
    if (giveaway && giveaway.id === event.giveaway_id) {
      giveaway = { ...giveaway, entries_count: Math.max(giveaway.entries_count, event.entries_count) };
      draw();
    }
  },
};

/** A claim makes no room event: the console asks again when the orders move. */
export async function refreshGiveaway() {
  if (!giveaway || !showId || giveaway.claimed) {
    return;
  }
  try {
    const body = await get(`${base()}/${encodeURIComponent(giveaway.id)}`);
    learn(body.giveaway);
  } catch (_unreachable) {
    // the next event tries again
  }
}

onLanguageChange(draw);
