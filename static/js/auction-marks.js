// The replay's auctions: each one listed with the chapters at its show time,
// with how it ended ("Won by Mia at $24.00"); a tap plays it from its start.
import { formatShowTime } from "./chapters.js";
import { el } from "./dom.js";
import { formatMoney } from "./format.js";
import { t } from "./i18n.js";

/**
 * Append the replay's auctions (`marks` from the replay's `auctions`) to the
 * chapter `list`; `titleOf(productId)` names the product when the replay knows
 * it; `onPick(offsetMs)` plays from the auction's start.
 * @param {HTMLElement} list
 * @param {any[]} marks
 * @param {{titleOf: (productId: string) => string | null, onPick: (offsetMs: number) => void}} options
 */
export function appendAuctionMarks(list, marks, { titleOf, onPick }) {
  const results = new Map(marks.filter((m) => m.kind === "result").map((m) => [m.auction_id, m]));
  for (const start of marks.filter((m) => m.kind === "start")) {
    const result = results.get(start.auction_id);
    let outcome = "";
    if (result && result.winner_name) {
      outcome = t("auction.sold_to", {
        name: result.winner_name,
        price: formatMoney(result.price_minor, result.currency),
      });
    } else if (result) {
      outcome = t("auction.no_bids");
    }
    const title = titleOf(start.product_id);
    const button = el(
      "button",
      { type: "button", className: "chapter auction-chapter", dataset: { auctionId: start.auction_id } },
      el("time", { className: "chapter-time", textContent: formatShowTime(start.offset_ms) }),
      el("span", { className: "pin-flag auction-flag", textContent: t("auction.flag") }),
      el("span", { className: "chapter-title", textContent: [title, outcome].filter(Boolean).join(" · ") }),
    );
    button.addEventListener("click", () => onPick(start.offset_ms));
    list.append(el("li", {}, button));
  }
}
