// Building DOM without markup strings: data only ever becomes text nodes.

/**
 * `el("button", {className: "x", type: "button"}, child, "text")`. Properties
 * are set as DOM properties (`dataset` and `attrs` objects are merged);
 * children are nodes or strings (strings become text nodes, never HTML).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, any>} [props]
 * @param {...(Node | string | null | undefined | false)} children
 * @returns {HTMLElementTagNameMap[K]}
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
      /** @type {Record<string, any>} */ (element)[name] = value;
    }
  }
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) {
      element.append(child);
    }
  }
  return element;
}

/**
 * The page's element with `id` (each page's HTML has the ids its modules use).
 * @overload
 * @param {string} id
 * @returns {HTMLElement}
 */
/**
 * With `kind` (e.g. `HTMLInputElement`) the element is checked to be one, and typed so.
 * @template {HTMLElement} T
 * @overload
 * @param {string} id
 * @param {{new (): T, prototype: T}} kind
 * @returns {T}
 */
/**
 * @param {string} id
 * @param {{new (): HTMLElement, prototype: HTMLElement}} [kind]
 * @returns {HTMLElement}
 */
export function $(id, kind) {
  const found = document.getElementById(id);
  if (kind && !(found instanceof kind)) {
    throw new TypeError(`#${id} is not a ${kind.name}`);
  }
  return /** @type {HTMLElement} */ (found);
}

/**
 * The element matching `selector` inside `root`, checked to be a `kind`.
 * @template {Element} T
 * @param {ParentNode} root
 * @param {string} selector
 * @param {{new (): T, prototype: T}} kind
 * @returns {T}
 */
export function find(root, selector, kind) {
  const found = root.querySelector(selector);
  if (!(found instanceof kind)) {
    throw new TypeError(`${selector} is not a ${kind.name}`);
  }
  return found;
}

/**
 * The page's element with `id`, or null where the page may not have it.
 * @param {string} id
 * @returns {HTMLElement | null}
 */
export const maybe$ = (id) => document.getElementById(id);
