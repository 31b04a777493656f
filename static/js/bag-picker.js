// Choose a show's products and their order: tick boxes with up/down buttons.
import { el } from "./dom.js";
import { formatMoney } from "./format.js";
import { t } from "./i18n.js";
import { priceInfo } from "./pin-card.js";

/**
 * Fill `list` with `products`, ticking and ordering those in `chosenIds` first.
 * Returns `{selected()}`: the ticked product ids in their order.
 */
export function createBagPicker(list, products, chosenIds = []) {
  const byId = new Map(products.map((p) => [p.id, p]));
  const order = [
    ...chosenIds.filter((id) => byId.has(id)),
    ...products.map((p) => p.id).filter((id) => !chosenIds.includes(id)),
  ];
  const chosen = new Set(chosenIds);

  function move(id, step) {
    const index = order.indexOf(id);
    const target = index + step;
    if (target < 0 || target >= order.length) {
      return;
    }
    [order[index], order[target]] = [order[target], order[index]];
    draw();
    list.querySelector(`[data-id="${CSS.escape(id)}"] .${step < 0 ? "up" : "down"}`)?.focus();
  }

  function row(id) {
    const product = byId.get(id);
    const price = priceInfo(product);
    const box = el("input", { type: "checkbox", checked: chosen.has(id) });
    box.addEventListener("change", () => {
      if (box.checked) {
        chosen.add(id);
      } else {
        chosen.delete(id);
      }
    });
    const up = el("button", { type: "button", className: "mini up", textContent: "↑", attrs: { "aria-label": t("bag.up", { title: product.title }) } });
    const down = el("button", { type: "button", className: "mini down", textContent: "↓", attrs: { "aria-label": t("bag.down", { title: product.title }) } });
    up.addEventListener("click", () => move(id, -1));
    down.addEventListener("click", () => move(id, 1));
    return el(
      "li",
      { className: "pick", dataset: { id } },
      el(
        "label",
        { className: "pick-label" },
        box,
        el("span", { className: "pick-title", textContent: product.title }),
        price ? el("span", { className: "muted", textContent: formatMoney(price.lowest, price.currency) }) : null,
      ),
      el("span", { className: "pick-move" }, up, down),
    );
  }

  function draw() {
    list.replaceChildren(...order.map(row));
    if (!order.length) {
      list.append(el("li", { className: "muted", textContent: t("bag.no_products") }));
    }
  }

  draw();
  return {
    selected: () => order.filter((id) => chosen.has(id)),
    redraw: draw,
  };
}
