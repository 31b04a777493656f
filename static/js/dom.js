// Building DOM without markup strings: data only ever becomes text nodes.

/**
 * `el("button", {className: "x", type: "button"}, child, "text")`. Properties
 * are set as DOM properties (`dataset` and `attrs` objects are merged);
 * children are nodes or strings (strings become text nodes, never HTML).
 */
export function el(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null) {
      continue;
    }
    if (name === "dataset") {
      Object.assign(element.dataset, value);
    } else if (name === "attrs") {
      for (const [attribute, attributeValue] of Object.entries(value)) {
        element.setAttribute(attribute, attributeValue);
      }
    } else {
      element[name] = value;
    }
  }
  element.append(...children.filter((child) => child !== null && child !== undefined && child !== false));
  return element;
}

/** `document.getElementById`, short. */
export const $ = (id) => document.getElementById(id);
