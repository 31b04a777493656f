// A creator's passkeys in the console: sign in with one, and list, add and remove them in Settings.
import { showError } from "./console-notice.js";
import { $, el } from "./dom.js";
import { errorText } from "./http.js";
import { formatDateTime } from "./format.js";
import { setText, t } from "./i18n.js";
import { createPasskey, isCancelled, listPasskeys, passkeysSupported, removePasskey, signInWithPasskey } from "./passkeys.js";

const BASE = "/api/auth/passkeys";

/** Show "Sign in with a passkey" under the login form; `onSignedIn(creator)` after it worked. */
export function setUpPasskeySignIn(onSignedIn) {
  const button = $("login-passkey", HTMLButtonElement);
  button.hidden = !passkeysSupported();
  button.addEventListener("click", async () => {
    button.disabled = true;
    showError($("auth-error"), "");
    try {
      const result = await signInWithPasskey(BASE);
      onSignedIn(result.creator);
    } catch (error) {
      if (!isCancelled(error)) {
        showError($("auth-error"), errorText(error));
      }
    } finally {
      button.disabled = false;
    }
  });
}

function passkeyRow(key) {
  const added = el("span", { className: "row-main" });
  setText(added, "account.passkey_added", { when: formatDateTime(key.created_at) });
  const remove = el("button", { type: "button", className: "secondary small", textContent: t("account.remove_passkey") });
  remove.addEventListener("click", () => change(remove, () => removePasskey(BASE, key.id)));
  return el("li", { className: "row" }, added, remove);
}

/** Draw the signed-in creator's passkeys in Settings. */
export async function drawPasskeys() {
  showError($("passkeys-error"), "");
  $("console-add-passkey").hidden = !passkeysSupported();
  try {
    const keys = await listPasskeys(BASE);
    $("console-passkeys").replaceChildren(...keys.map(passkeyRow));
    if (!keys.length) {
      $("console-passkeys").append(el("li", { className: "muted", textContent: t("account.no_passkeys") }));
    }
  } catch (error) {
    showError($("passkeys-error"), errorText(error));
  }
}

async function change(button, work) {
  button.disabled = true;
  try {
    await work();
    await drawPasskeys();
  } catch (error) {
    if (!isCancelled(error)) {
      showError($("passkeys-error"), errorText(error));
    }
  } finally {
    button.disabled = false;
  }
}

$("console-add-passkey").addEventListener("click", (event) => {
  change(/** @type {HTMLButtonElement} */ (event.currentTarget), () => createPasskey(BASE));
});
