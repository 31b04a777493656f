// Passkeys through WebAuthn: the server's options in, the browser's answer out.
// `base` is "/api/viewer/passkeys" for a viewer, "/api/auth/passkeys" for a creator.
import { del, get, post } from "./http.js";

/** Whether this browser can make and use passkeys (WebAuthn with JSON helpers). */
export function passkeysSupported() {
  return (
    typeof window.PublicKeyCredential === "function" &&
    typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function" &&
    typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function"
  );
}

/** Make a passkey for the signed-in person (a guest's first one makes its account). */
export async function createPasskey(base) {
  const { ceremony, options } = await post(`${base}/options`);
  const credential = await navigator.credentials.create({
    publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options),
  });
  return post(base, { ceremony, credential: /** @type {PublicKeyCredential} */ (credential).toJSON() });
}

/** Sign in with any passkey this browser has for the site; the server sets the cookie. */
export async function signInWithPasskey(base) {
  const { ceremony, options } = await post(`${base}/sign-in/options`);
  const credential = await navigator.credentials.get({
    publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options),
  });
  return post(`${base}/sign-in`, { ceremony, credential: /** @type {PublicKeyCredential} */ (credential).toJSON() });
}

/** The signed-in person's passkeys: [{id, created_at, last_used_at}]. */
export async function listPasskeys(base) {
  return (await get(base)).passkeys;
}

/** Forget one passkey on the server (the authenticator keeps it until removed there). */
export function removePasskey(base, id) {
  return del(`${base}/${encodeURIComponent(id)}`);
}

/** Whether `error` is the person closing the browser's passkey prompt (nothing went wrong). */
export function isCancelled(error) {
  return error instanceof DOMException && (error.name === "NotAllowedError" || error.name === "AbortError");
}
