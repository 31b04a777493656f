// Creator sign-up, log-in and log-out (session cookie set by the server).
import { withChallenge } from "./challenge.js";
import { $ } from "./dom.js";
import { bindFieldErrors, checkInputs } from "./field-errors.js";
import { get, post } from "./http.js";

// Each form's inputs by the API's field names; errors no input takes go under the forms.
const LOGIN_FIELDS = { email: $("login-email", HTMLInputElement), password: $("login-password", HTMLInputElement) };
const SIGNUP_FIELDS = { display_name: $("signup-name", HTMLInputElement), email: $("signup-email", HTMLInputElement), password: $("signup-password", HTMLInputElement) };
const loginErrors = bindFieldErrors({ form: $("login-form"), fields: LOGIN_FIELDS, summary: $("auth-error") });
const signupErrors = bindFieldErrors({ form: $("signup-form"), fields: SIGNUP_FIELDS, summary: $("auth-error") });

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
  loginErrors.clear();
  signupErrors.clear();
}

async function submit(form, errors, url, body, onSignedIn) {
  const problems = checkInputs(errors === loginErrors ? LOGIN_FIELDS : SIGNUP_FIELDS);
  if (problems.length) {
    errors.show(problems);
    return;
  }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  errors.clear();
  try {
    // Past the login throttle the server asks for a browser check instead of a long wait.
    const result = await withChallenge((challenge) => post(url, challenge ? { ...body, challenge } : body));
    form.reset();
    onSignedIn(result.creator);
  } catch (error) {
    errors.show(error);
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
      loginErrors,
      "/api/auth/login",
      { email: $("login-email", HTMLInputElement).value.trim(), password: $("login-password", HTMLInputElement).value },
      onSignedIn,
    );
  });
  $("signup-form").addEventListener("submit", (event) => {
    event.preventDefault();
    submit(
      $("signup-form"),
      signupErrors,
      "/api/auth/signup",
      {
        display_name: $("signup-name", HTMLInputElement).value.trim(),
        email: $("signup-email", HTMLInputElement).value.trim(),
        password: $("signup-password", HTMLInputElement).value,
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
