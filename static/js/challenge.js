// Proof of work the server asks for when an address makes many guests or failed
// logins (ALTCHA v2 challenges, PBKDF2/SHA-256): solved with WebCrypto, which
// derives keys natively, so a browser works about as fast as a bot would.
import { el } from "./dom.js";
import { t } from "./i18n.js";
import { ServerError } from "./http.js";

const ALGORITHM = "PBKDF2/SHA-256";
// Counters tried at once: WebCrypto derives off the main thread, so a few in
// flight keep more than one core busy.
const PARALLEL = 8;
const MAX_COUNTER = 0xffffffff;

/** Bytes of a hex string. */
function hexBytes(hex) {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i += 1) {
    bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  }
  return bytes;
}

/** Hex string of bytes. */
function hexOf(bytes) {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** The key ALTCHA derives for `counter`: PBKDF2(nonce + counter as uint32, salt). */
async function derive(parameters, nonce, salt, counter) {
  const password = new Uint8Array(nonce.length + 4);
  password.set(nonce);
  new DataView(password.buffer).setUint32(nonce.length, counter);
  const key = await crypto.subtle.importKey("raw", password, "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations: parameters.cost },
    key,
    parameters.keyLength * 8,
  );
  return new Uint8Array(bits);
}

/** Whether `key` starts with the bytes of `prefix`. */
function startsWith(key, prefix) {
  return prefix.every((byte, i) => key[i] === byte);
}

/**
 * Solve `challenge` (the server's JSON); resolves with the payload to send back
 * (base64), or null if this browser cannot (no WebCrypto outside https, another algorithm).
 */
export async function solveChallenge(challenge) {
  const parameters = challenge.parameters;
  if (parameters.algorithm !== ALGORITHM || !(globalThis.crypto && crypto.subtle)) {
    return null;
  }
  const nonce = hexBytes(parameters.nonce);
  const salt = hexBytes(parameters.salt);
  const prefix = hexBytes(parameters.keyPrefix);
  const started = performance.now();
  for (let first = 0; first <= MAX_COUNTER; first += PARALLEL) {
    const counters = Array.from({ length: PARALLEL }, (_, i) => first + i);
    const keys = await Promise.all(counters.map((n) => derive(parameters, nonce, salt, n)));
    const found = keys.findIndex((key) => startsWith(key, prefix));
    if (found >= 0) {
      const solution = {
        counter: counters[found],
        derivedKey: hexOf(keys[found]),
        time: performance.now() - started,
      };
      return btoa(JSON.stringify({ challenge, solution }));
    }
  }
  return null;
}

/** A "Checking your browser…" note over the page while a challenge is solved. */
function showChecking() {
  const note = el("p", { className: "challenge-note", role: "status", textContent: t("challenge.checking") });
  // Inside an open modal (the checkout sheet) or it would sit under it.
  (document.querySelector("dialog:modal") || document.body).append(note);
  return () => note.remove();
}

/**
 * Run `send(challenge)` with no challenge; if the server answers
 * challenge_required, solve the one it sent (showing a short note) and run
 * `send(payload)` once more. Other errors are thrown as they came.
 */
export async function withChallenge(send) {
  try {
    return await send(undefined);
  } catch (failure) {
    if (!(failure instanceof ServerError) || failure.code !== "challenge_required" || !failure.details.challenge) {
      throw failure;
    }
    const hide = showChecking();
    let payload;
    try {
      payload = await solveChallenge(failure.details.challenge);
    } finally {
      hide();
    }
    if (!payload) {
      throw failure; // worded as challenge_required: the person can wait and retry
    }
    return send(payload);
  }
}
