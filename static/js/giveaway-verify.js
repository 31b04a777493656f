// Checking a giveaway's draw in the browser, from what the server published:
// the seed must hash to the hash shown at the start, and the winner must be
//   sorted(entry_ids)[int(sha256(seed + ":" + sorted(entry_ids).join("\n")), 16) % n]
// (docs/api.md, "Giveaways"). The page shows what it found, in words.
import { el } from "./dom.js";
import { errorText, get } from "./http.js";
import { setText } from "./i18n.js";

/** sha256 of `text` (UTF-8) as 64 hex digits; null where the browser has no WebCrypto (plain http). */
async function sha256Hex(text) {
  if (!globalThis.crypto || !crypto.subtle) {
    return null;
  }
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * Recompute a draw: `{hashMatches, winnerId}` (null values where WebCrypto is missing).
 * @param {{seed: string, seed_hash: string, entries: {id: string}[]}} proof
 */
export async function recomputeDraw(proof) {
  const ids = proof.entries.map((entry) => entry.id).sort();
  const seedHash = await sha256Hex(proof.seed);
  if (seedHash === null) {
    return { hashMatches: null, winnerId: null };
  }
  let winnerId = null;
  if (ids.length) {
    const digest = await sha256Hex(`${proof.seed}:${ids.join("\n")}`);
    winnerId = ids[Number(BigInt(`0x${digest}`) % BigInt(ids.length))];
  }
  return { hashMatches: seedHash === proof.seed_hash, winnerId };
}

/** A line "label: value" where the value is data (text, never markup). */
function fact(labelKey, value, className = "") {
  const label = el("span", { className: "muted" });
  setText(label, labelKey);
  return el("p", { className: `giveaway-fact ${className}` }, label, " ", el("code", { textContent: value }));
}

/** Open a modal that fetches the draw's proof and checks it here. */
export async function openDrawCheck(giveawayId) {
  const url = `/api/giveaways/${encodeURIComponent(giveawayId)}/draw`;
  const heading = el("h2", { id: "giveaway-check-title" });
  setText(heading, "giveaway.check_title");
  const body = el("div", { className: "giveaway-check-body" });
  const close = el("button", { type: "submit", className: "secondary", value: "close" });
  setText(close, "giveaway.close");
  const dialog = el(
    "dialog",
    { className: "giveaway-check", attrs: { "aria-labelledby": "giveaway-check-title" } },
    el("form", { method: "dialog" }, heading, body, el("div", { className: "confirm-actions" }, close)),
  );
  document.body.append(dialog);
  dialog.addEventListener("close", () => dialog.remove());
  dialog.showModal();
  try {
    const proof = await get(url);
    const lines = [fact("giveaway.seed_hash", proof.seed_hash)];
    if (!proof.seed) {
      const waiting = el("p", {});
      setText(waiting, "giveaway.check_not_drawn");
      body.replaceChildren(...lines, waiting);
      return;
    }
    lines.push(fact("giveaway.seed", proof.seed), fact("giveaway.entries", String(proof.entries.length)));
    const result = await recomputeDraw(proof);
    const verdict = el("p", { className: "giveaway-verdict" });
    if (result.hashMatches === null) {
      setText(verdict, "giveaway.check_unavailable");
    } else if (result.hashMatches && result.winnerId === proof.winner_entry_id) {
      const winner = proof.entries.find((entry) => entry.id === result.winnerId);
      verdict.dataset.ok = "true";
      setText(verdict, result.winnerId ? "giveaway.check_ok" : "giveaway.check_ok_empty", {
        id: result.winnerId || "",
        name: winner ? winner.name : "",
      });
    } else {
      verdict.dataset.ok = "false";
      setText(verdict, "giveaway.check_failed");
    }
    const raw = el("a", { href: url, target: "_blank", rel: "noopener" });
    setText(raw, "giveaway.check_raw");
    body.replaceChildren(...lines, verdict, el("p", {}, raw));
  } catch (error) {
    body.replaceChildren(el("p", { className: "error", textContent: errorText(error) }));
  }
}
