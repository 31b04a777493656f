// The read-only show API and small page helpers shared by the pages.
import { errorFrom } from "./session.js";

/** `GET /api/shows/{id}` -> `{id, title, status, live, ...}`; throws a ServerError on 4xx/5xx. */
export async function fetchShow(showId) {
  const response = await fetch(`/api/shows/${encodeURIComponent(showId)}`, { cache: "no-store" });
  if (!response.ok) {
    throw await errorFrom(response);
  }
  return response.json();
}

/** The show id from a `/host/{id}` or `/watch/{id}` path. */
export function showIdFromPath() {
  const parts = location.pathname.split("/").filter(Boolean);
  return decodeURIComponent(parts[parts.length - 1] || "");
}

export { $ } from "./dom.js";
