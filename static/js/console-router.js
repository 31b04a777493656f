// The console's client-side routes (/console/...): history API, one view at a time.
import { $ } from "./dom.js";

let routes = [];
let guard = () => true;
let active = null;
const routeListeners = new Set();

/** Call `listener()` whenever the console shows another page (e.g. the on-air dock). */
export function onRouteChange(listener) {
  routeListeners.add(listener);
  return () => routeListeners.delete(listener);
}

/** Go to `path` (with its query, if any) inside the console without reloading the page. */
export function navigate(path, { replace = false } = {}) {
  if (replace) {
    history.replaceState(null, "", path);
  } else if (path !== location.pathname + location.search) {
    history.pushState(null, "", path);
  }
  render();
}

/** Show the view matching the current path (after `guard()` allows it). */
export async function render() {
  if (active && active.view.leave) {
    active.view.leave();
  }
  active = null;
  for (const section of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll("main .view"))) {
    section.hidden = true;
  }
  for (const listener of routeListeners) {
    listener();
  }
  for (const link of /** @type {NodeListOf<HTMLAnchorElement>} */ (document.querySelectorAll("#nav a[data-nav]"))) {
    const here = location.pathname.startsWith(new URL(link.href).pathname);
    if (here) {
      link.setAttribute("aria-current", "page");
    } else {
      link.removeAttribute("aria-current");
    }
  }
  if (!(await guard())) {
    return;
  }
  for (const [pattern, view] of routes) {
    const match = location.pathname.match(pattern);
    if (match) {
      if (view.redirect) {
        navigate(view.redirect, { replace: true });
        return;
      }
      active = { view };
      $(view.section).hidden = false;
      await view.enter(...match.slice(1).map(decodeURIComponent));
      return;
    }
  }
  navigate("/console/shows", { replace: true });
}

/** The active view, to re-render it after a language switch. */
export function activeView() {
  return active && active.view;
}

/**
 * Start routing: `table` is a list of [RegExp, view] where a view is
 * `{section, enter(...params), leave?()}` or `{redirect}`; `check()` runs
 * before each view (e.g. show the sign-in form instead).
 */
export function startRouter(table, check) {
  routes = table;
  guard = check;
  // Links marked data-nav stay in the page.
  document.addEventListener("click", (event) => {
    const link = event.target instanceof Element ? event.target.closest("a[data-nav]") : null;
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) {
      return;
    }
    event.preventDefault();
    const url = new URL(/** @type {HTMLAnchorElement} */ (link).href);
    navigate(url.pathname + url.search);
  });
  window.addEventListener("popstate", render);
  render();
}
