// Stream keys in this tab only: the console's studio and the host page read
// the same sessionStorage entry, so going live needs no pasting, even after a reload.

const storageKey = (showId) => `livesale:stream-key:${showId}`;
const revealed = new Map(); // show id -> key not yet shown to the creator
const inMemory = new Map(); // show id -> key, for when sessionStorage is disabled

/** Remember a key for this tab; one the server just returned (create, rotate) is shown once. */
export function rememberKey(showId, key, { reveal = true } = {}) {
  if (reveal) {
    revealed.set(showId, key);
  }
  inMemory.set(showId, key);
  try {
    sessionStorage.setItem(storageKey(showId), key);
  } catch (_storageDisabled) {
    // The key then lives in this page's memory only.
  }
}

/** The key for this tab, if known. */
export function knownKey(showId) {
  try {
    return sessionStorage.getItem(storageKey(showId)) || inMemory.get(showId) || null;
  } catch (_storageDisabled) {
    return inMemory.get(showId) || null;
  }
}

/** Forget a key the server refused (rotated elsewhere, mistyped). */
export function forgetKey(showId) {
  revealed.delete(showId);
  inMemory.delete(showId);
  try {
    sessionStorage.removeItem(storageKey(showId));
  } catch (_storageDisabled) {
    // Nothing was stored.
  }
}

/** A key to show once: returned the first time, then forgotten for display. */
export function takeRevealedKey(showId) {
  const key = revealed.get(showId) || null;
  revealed.delete(showId);
  return key;
}
