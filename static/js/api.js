// The read-only show API and small page helpers shared by the pages.
import { get } from "./http.js";

/**
 * `GET /api/shows/{id}` -> `{id, title, status, live, ...}`; throws a ServerError on 4xx/5xx.
 * @param {string} showId
 * @returns {Promise<any>}
 */
export const fetchShow = (showId) => get(`/api/shows/${encodeURIComponent(showId)}`);

/**
 * The show id from a `/host/{id}` or `/watch/{id}` path.
 * @returns {string}
 */
export function showIdFromPath() {
  const parts = location.pathname.split("/").filter(Boolean);
  return decodeURIComponent(parts[parts.length - 1] || "");
}

export { $ } from "./dom.js";
