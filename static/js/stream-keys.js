// Stream keys in this tab only: the host page reads the same sessionStorage
// entry, so the embedded studio can go live without pasting the key.

const storageKey = (showId) => `livesale:stream-key:${showId}`;
const revealed = new Map(); // show id -> key not yet shown to the creator

/** Remember a key the server just returned (on create or rotate). */
export function rememberKey(showId, key) {
  revealed.set(showId, key);
  try {
    sessionStorage.setItem(storageKey(showId), key);
  } catch (_storageDisabled) {
    // The key then lives in this page's memory only.
  }
}

/** The key for this tab, if known. */
export function knownKey(showId) {
  if (revealed.has(showId)) {
    return revealed.get(showId);
  }
  try {
    return sessionStorage.getItem(storageKey(showId));
  } catch (_storageDisabled) {
    return null;
  }
}

/** A key to show once: returned the first time, then forgotten for display. */
export function takeRevealedKey(showId) {
  const key = revealed.get(showId) || null;
  revealed.delete(showId);
  return key;
}
