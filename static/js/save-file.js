// Saving data the page already holds as a file the browser downloads.
import { el } from "./dom.js";

/**
 * Offer `data` as a pretty-printed JSON file named `name`.
 * @param {unknown} data
 * @param {string} name
 */
export function saveJson(data, name) {
  const link = el("a", {
    href: URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" })),
    download: name,
  });
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked later, not at once: the download reads the blob after click() returns.
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}
