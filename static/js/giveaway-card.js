// The show page's giveaway card: the prize, the rules, the server's clock,
// how many entered, "Enter" (then "You're in"), and the result: the winner's
// name for everyone, "Claim it" for the winner, and a check of the draw.
import { el } from "./dom.js";
import { formatCount, formatDuration } from "./format.js";
import { openGiveawayClaim } from "./giveaway-claim.js";
import { openDrawCheck } from "./giveaway-verify.js";
import { errorText, get, post } from "./http.js";
import { onLanguageChange, setText, t } from "./i18n.js";

/**
 * Mount the card in `container`. `show(giveaway)` takes the room's giveaway
 * (snapshot or event), `setCount(event)` its entry counts.
 * @param {HTMLElement} container
 * @param {{showId: string, viewerName: {viewer: any, choose: (name: string) => Promise<any>}}} options
 */
export function createGiveawayCard(container, { showId, viewerName }) {
  let giveaway = null;
  let skew = 0; // this device's clock minus the server's
  let you = { entry_id: null, won: false, order_id: null };
  let busy = false;
  let error = "";
  let dismissed = null; // the id of a finished giveaway the viewer closed
  let timer = null;
  let clock = null; // the countdown's node, redrawn every second without the rest of the card
  let drawnState = "";
  let countNode = null;

  const base = () => `/api/shows/${encodeURIComponent(showId)}/giveaways/${encodeURIComponent(giveaway.id)}`;
  const serverNow = () => Date.now() - skew;

  function learnClock(update) {
    if (typeof update.server_now_ms === "number") {
      skew = Date.now() - update.server_now_ms;
    }
  }

  /** The viewer's entry and win, with the server's clock fresh (a snapshot may be seconds old). */
  async function loadYou() {
    if (!giveaway) {
      return;
    }
    const id = giveaway.id;
    try {
      const body = await get(base());
      if (giveaway && giveaway.id === id) {
        learnClock(body.giveaway);
        giveaway = { ...giveaway, ...body.giveaway };
        you = body.you;
        render();
      }
    } catch (_unreachable) {
      // the room's events keep the card going
    }
  }

  function state() {
    if (giveaway.state === "open" && serverNow() >= giveaway.ends_at_ms) {
      return "closed";
    }
    return giveaway.state;
  }

  async function enter(name) {
    busy = true;
    error = "";
    render();
    try {
      if (!viewerName.viewer) {
        await viewerName.choose(name);
      }
      const body = await post(`${base()}/entries`);
      you = { ...you, entry_id: body.entry.id };
      giveaway = { ...giveaway, entries_count: Math.max(giveaway.entries_count, body.entry.entries_count) };
    } catch (failure) {
      error = errorText(failure);
    }
    busy = false;
    render();
  }

  function enterControls() {
    const button = el("button", { type: "submit", className: "primary giveaway-enter", disabled: busy });
    setText(button, "giveaway.enter");
    const form = el("form", { className: "giveaway-enter-form" });
    let nameInput = null;
    if (!viewerName.viewer) {
      nameInput = el("input", {
        className: "giveaway-name",
        maxLength: 40,
        required: true,
        autocomplete: "nickname",
        placeholder: t("giveaway.name_placeholder"),
        attrs: { "aria-label": t("giveaway.name_label") },
      });
      form.append(nameInput);
    }
    form.append(button);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const name = nameInput ? nameInput.value.trim() : "";
      if (nameInput && !name) {
        nameInput.focus();
        return;
      }
      enter(name);
    });
    return form;
  }

  function claimButton() {
    if (you.order_id) {
      const link = el("a", { className: "button primary", href: `/orders/${encodeURIComponent(you.order_id)}` });
      setText(link, "giveaway.see_order");
      return link;
    }
    const button = el("button", { type: "button", className: "primary giveaway-claim-open" });
    setText(button, "giveaway.claim");
    button.addEventListener("click", () =>
      openGiveawayClaim({
        url: `${base()}/claim`,
        viewerName: () => (viewerName.viewer ? viewerName.viewer.display_name : null),
        onClaimed: (order) => {
          you = { ...you, order_id: order.id };
          location.assign(`/orders/${encodeURIComponent(order.id)}`);
        },
      }),
    );
    return button;
  }

  function resultLine(current) {
    const line = el("p", { className: "giveaway-result", attrs: { role: "status" } });
    if (current === "closed") {
      setText(line, "giveaway.closed", { n: formatCount(giveaway.entries_count) });
    } else if (!giveaway.winner) {
      setText(line, "giveaway.no_entries");
    } else if (you.won) {
      setText(line, "giveaway.you_won");
      line.dataset.won = "true";
    } else {
      setText(line, "giveaway.winner", { name: giveaway.winner.name }); // text, never markup
    }
    return line;
  }

  function render() {
    clearTimeout(timer);
    if (!giveaway || dismissed === giveaway.id) {
      container.replaceChildren();
      container.hidden = true;
      return;
    }
    const current = state();
    clock = null;
    container.hidden = false;
    container.dataset.state = current;
    const flag = el("span", { className: "giveaway-flag" });
    setText(flag, "giveaway.flag");
    const title = el("h2", { className: "giveaway-title", textContent: giveaway.product.title });
    const variant = giveaway.product.variant_name
      ? el("span", { className: "muted giveaway-variant", textContent: giveaway.product.variant_name })
      : null;
    /** @type {HTMLElement[]} */
    const parts = [el("div", { className: "giveaway-head" }, flag, title, variant)];
    if (giveaway.rules) {
      parts.push(el("p", { className: "giveaway-rules", textContent: giveaway.rules }));
    }
    const count = el("span", { className: "giveaway-count" });
    countNode = count;
    drawCount();
    if (current === "open") {
      clock = el("strong", { className: "giveaway-clock", attrs: { role: "timer" } });
      parts.push(el("p", { className: "giveaway-meta" }, clock, " · ", count));
      if (you.entry_id) {
        const inside = el("p", { className: "giveaway-in" });
        setText(inside, "giveaway.you_are_in", { id: you.entry_id });
        parts.push(inside);
      } else {
        parts.push(enterControls());
      }
    } else {
      parts.push(resultLine(current));
      const actions = el("div", { className: "giveaway-actions" });
      if (current !== "closed" && you.won) {
        actions.append(claimButton());
      }
      if (current !== "closed") {
        const check = el("button", { type: "button", className: "link giveaway-check-open" });
        setText(check, "giveaway.check");
        check.addEventListener("click", () => openDrawCheck(giveaway.id));
        const close = el("button", { type: "button", className: "link giveaway-dismiss" });
        setText(close, "giveaway.close");
        close.addEventListener("click", () => {
          dismissed = giveaway.id;
          render();
        });
        actions.append(check, close);
      } else if (you.entry_id) {
        const inside = el("p", { className: "giveaway-in" });
        setText(inside, "giveaway.you_are_in", { id: you.entry_id });
        parts.push(inside);
      }
      parts.push(actions);
    }
    if (error) {
      parts.push(el("p", { className: "error", textContent: error, attrs: { role: "alert" } }));
    }
    container.replaceChildren(...parts);
    drawnState = current;
    tick();
  }

  function drawCount() {
    if (countNode) {
      setText(countNode, "giveaway.entered_count", { n: formatCount(giveaway.entries_count) });
    }
  }

  /** The countdown, at each whole second of the server's clock; the card again when it closes. */
  function tick() {
    clearTimeout(timer);
    if (!giveaway || state() !== drawnState) {
      render();
      return;
    }
    if (drawnState === "open" && clock) {
      setText(clock, "giveaway.ends_in", { time: formatDuration(giveaway.ends_at_ms - serverNow()) });
      timer = setTimeout(tick, 1000 - (serverNow() % 1000) + 20);
    }
  }

  onLanguageChange(render);

  return {
    /** The room's giveaway (null: none); a new one or a new state asks for the viewer's side. */
    show(update) {
      if (!update) {
        giveaway = null;
        render();
        return;
      }
      learnClock(update);
      const fresh = !giveaway || giveaway.id !== update.id;
      const drawnNow = giveaway && giveaway.state !== update.state;
      if (fresh) {
        you = { entry_id: null, won: false, order_id: null };
        error = "";
      }
      giveaway = { ...(fresh ? {} : giveaway), ...update };
      render();
      if (fresh || drawnNow) {
        loadYou();
      }
    },
    /** A `giveaway_entries` event. */
    setCount(event) {
      if (giveaway && event.giveaway_id === giveaway.id) {
        giveaway = { ...giveaway, entries_count: Math.max(giveaway.entries_count, event.entries_count) };
        drawCount(); // the rest of the card stays (a name being typed in it)
      }
    },
  };
}
