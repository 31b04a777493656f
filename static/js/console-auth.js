// Creator sign-up, log-in and log-out (session cookie set by the server).
import { $ } from "./dom.js";
import { errorText, get, post } from "./http.js";
import { showError } from "./console-notice.js";

/** The signed-in creator, or null (401 not_signed_in). */
export async function fetchMe() {
  try {
    const body = await get("/api/auth/me");
    return body.creator;
  } catch (error) {
    if (error.status === 401) {
      return null;
    }
    throw error;
  }
}

function selectTab(which) {
  const login = which === "login";
  $("tab-login").setAttribute("aria-selected", String(login));
  $("tab-signup").setAttribute("aria-selected", String(!login));
  $("login-form").hidden = !login;
  $("signup-form").hidden = login;
  showError($("auth-error"), "");
}

async function submit(form, url, body, onSignedIn) {
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  showError($("auth-error"), "");
  try {
    const result = await post(url, body);
    form.reset();
    onSignedIn(result.creator);
  } catch (error) {
    showError($("auth-error"), errorText(error));
  } finally {
    button.disabled = false;
  }
}

/**
 * Wire the forms; `onSignedIn(creator)` after a log-in or sign-up, `onSignedOut()`
 * after log-out; `confirmSignOut()` may refuse the log-out (resolves false).
 */
export function setUpAuth({ onSignedIn, onSignedOut, confirmSignOut = async () => true }) {
  $("tab-login").addEventListener("click", () => selectTab("login"));
  $("tab-signup").addEventListener("click", () => selectTab("signup"));
  $("login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    submit(
      $("login-form"),
      "/api/auth/login",
      { email: $("login-email").value.trim(), password: $("login-password").value },
      onSignedIn,
    );
  });
  $("signup-form").addEventListener("submit", (event) => {
    event.preventDefault();
    submit(
      $("signup-form"),
      "/api/auth/signup",
      {
        display_name: $("signup-name").value.trim(),
        email: $("signup-email").value.trim(),
        password: $("signup-password").value,
      },
      onSignedIn,
    );
  });
  $("logout").addEventListener("click", async () => {
    if (!(await confirmSignOut())) {
      return;
    }
    try {
      await post("/api/auth/logout");
    } catch (_alreadyOut) {
      // Signed out either way.
    }
    onSignedOut();
  });
}
