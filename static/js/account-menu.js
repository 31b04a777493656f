// The viewer's account menu in a page's header: make an account from this
// browser's guest, sign in (this browser becomes that person), sign out.
import { withChallenge } from "./challenge.js";
import { el } from "./dom.js";
import { bindFieldErrors, checkInputs } from "./field-errors.js";
import { formatDateTime } from "./format.js";
import { confirmDialog } from "./confirm-dialog.js";
import { get, post, put, request } from "./http.js";
import { setText } from "./i18n.js";
import { saveJson } from "./save-file.js";
import { createPasskey, isCancelled, listPasskeys, passkeysSupported, removePasskey, signInWithPasskey } from "./passkeys.js";

const PASSKEYS = "/api/viewer/passkeys";

/** `<label>` + `<input>` for the account forms; the label's text is a message key. */
function field(id, key, props) {
  const label = el("label", { htmlFor: id });
  setText(label, key);
  const input = el("input", { id, required: true, ...props });
  return { row: el("div", { className: "account-field" }, label, input), input };
}

/** A head-and-shoulders glyph: on a phone's crowded header it stands for the word. */
function personIcon() {
  const SVG = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.classList.add("account-icon");
  const head = document.createElementNS(SVG, "circle");
  head.setAttribute("cx", "12");
  head.setAttribute("cy", "8");
  head.setAttribute("r", "4");
  const body = document.createElementNS(SVG, "path");
  body.setAttribute("d", "M4 21c0-4.4 3.6-7 8-7s8 2.6 8 7");
  svg.append(head, body);
  return svg;
}

/** The current account (or null) and whether this browser has a guest at all. */
async function whoAmI() {
  const [{ account }, { viewer }] = await Promise.all([get("/api/viewer/account"), get("/api/viewer")]);
  return { account, viewer };
}

/**
 * Add the Account button to `container` (the page's header bar). After a sign-in,
 * a new account or a sign-out the page reloads: everything on it is the person's.
 */
export function setUpAccountMenu(container) {
  const label = el("span", { className: "account-label" });
  setText(label, "account.menu");
  const button = el("button", { type: "button", className: "account-button", id: "account-open" }, personIcon(), label);
  button.addEventListener("click", () => openAccountMenu().catch(() => {}));
  container.append(button);
}

/** Open the account sheet: the person's account, or Create account when there is none yet. */
export async function openAccountMenu() {
  const { account, viewer } = await whoAmI();
  const heading = el("h2", { id: "account-title" });
  const body = el("div", { className: "account-body" });
  const close = el("button", { type: "button", className: "secondary account-close" });
  setText(close, "account.close");
  const dialog = el(
    "dialog",
    { className: "account-dialog", attrs: { "aria-labelledby": "account-title" } },
    heading,
    body,
    close,
  );
  close.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => dialog.remove());
  if (account) {
    signedIn(heading, body, account);
  } else {
    choose(heading, body, Boolean(viewer), "create");
  }
  if (viewer) {
    close.before(dataSection());
  }
  document.body.append(dialog);
  dialog.showModal();
}

function signedIn(heading, body, account) {
  setText(heading, "account.heading");
  const who = el("p", { className: "account-who" });
  if (account.email) {
    setText(who, "account.signed_in_as", { email: account.email });
  } else {
    setText(who, "account.signed_in_passkey");
  }
  const out = el("button", { type: "button", className: "secondary", id: "account-sign-out" });
  setText(out, "account.sign_out");
  out.addEventListener("click", async () => {
    out.disabled = true;
    await post("/api/viewer/logout").finally(() => location.reload());
  });
  /** @type {HTMLElement[]} */
  const parts = [who];
  if (!account.email) {
    const add = el("button", { type: "button", className: "link", id: "account-add-email" });
    setText(add, "account.add_email");
    add.addEventListener("click", () => choose(heading, body, true, "add"));
    parts.push(add);
  }
  body.replaceChildren(...parts, passkeyList(), out);
}

/** The account's passkeys, each removable, and a button to add one. */
function passkeyList() {
  const title = el("h3", { className: "account-subhead" });
  setText(title, "account.passkeys");
  const list = el("ul", { className: "account-passkeys", id: "account-passkeys" });
  const status = el("p", { className: "error", attrs: { role: "alert" } });
  const add = el("button", { type: "button", className: "secondary", id: "account-add-passkey" });
  setText(add, "account.add_passkey");
  add.hidden = !passkeysSupported();
  async function refresh() {
    const keys = await listPasskeys(PASSKEYS);
    list.replaceChildren(
      ...keys.map((key) => {
        const when = el("span", { className: "muted" });
        setText(when, "account.passkey_added", { when: formatDateTime(key.created_at) });
        const remove = el("button", { type: "button", className: "link account-remove-passkey" });
        setText(remove, "account.remove_passkey");
        remove.addEventListener("click", () => act(remove, () => removePasskey(PASSKEYS, key.id)));
        return el("li", {}, when, remove);
      }),
    );
    if (!keys.length) {
      const none = el("li", { className: "muted" });
      setText(none, "account.no_passkeys");
      list.append(none);
    }
  }
  async function act(button, work) {
    button.disabled = true;
    status.textContent = "";
    try {
      await work();
      await refresh();
    } catch (error) {
      if (!isCancelled(error)) {
        showError(status, error);
      }
    } finally {
      button.disabled = false;
    }
  }
  add.addEventListener("click", () => act(add, () => createPasskey(PASSKEYS)));
  refresh().catch((error) => showError(status, error));
  return el("section", { className: "account-passkey-section" }, title, list, add, status);
}

/** An error's words in the page's language (the server's code, or a cancelled prompt). */
function showError(target, error) {
  bindFieldErrors({ summary: target }).show(error);
}

/** "Use a passkey" for a form: create (making the account) or sign in, then reload. */
function passkeyButton(creating, ensureGuest, errors) {
  const button = el("button", { type: "button", className: "secondary account-passkey", id: "account-passkey" });
  setText(button, creating ? "account.create_passkey" : "account.sign_in_passkey");
  button.hidden = !passkeysSupported();
  button.addEventListener("click", async () => {
    button.disabled = true;
    errors.clear();
    try {
      if (creating) {
        if (!(await ensureGuest())) {
          return;
        }
        await createPasskey(PASSKEYS);
      } else {
        await signInWithPasskey(PASSKEYS);
      }
      location.reload();
    } catch (error) {
      if (!isCancelled(error)) {
        errors.show(error);
      }
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

/** The Create account / Sign in forms; `hasGuest` false asks for a display name too. */
function choose(heading, body, hasGuest, mode) {
  // "add": an account of passkeys alone gets an email and a password (the same request).
  const adding = mode === "add";
  const creating = mode === "create" || adding;
  setText(heading, adding ? "account.add_email" : creating ? "account.create" : "account.sign_in");
  const note = el("p", { className: "muted account-note" });
  setText(note, adding ? "account.add_email_note" : creating ? "account.create_note" : "account.sign_in_note");
  const name = creating && !hasGuest ? field("account-name", "account.name", { maxLength: 40, autocomplete: "nickname" }) : null;
  const email = field("account-email", "account.email", { type: "email", autocomplete: "username", maxLength: 254 });
  const password = field("account-password", "account.password", {
    type: "password",
    minLength: 8,
    autocomplete: creating ? "new-password" : "current-password",
  });
  const summary = el("p", { className: "error", attrs: { role: "alert" } });
  const submit = el("button", { type: "submit", className: "primary", id: "account-submit" });
  setText(submit, creating ? "account.create" : "account.sign_in");
  const other = el("button", { type: "button", className: "link", id: "account-switch" });
  setText(other, creating ? "account.have_one" : "account.need_one");
  other.addEventListener("click", () => choose(heading, body, hasGuest, creating ? "sign_in" : "create"));
  const form = el("form", { className: "account-form", noValidate: true });
  /** @type {Record<string, HTMLInputElement>} */
  const inputs = { email: email.input, password: password.input };
  if (name) {
    inputs.display_name = name.input;
  }
  const errors = bindFieldErrors({ form, fields: inputs, summary });
  // A passkey needs no email or password: only a name when this browser has no guest yet.
  async function ensureGuest() {
    if (!name) {
      return true;
    }
    const problems = checkInputs({ display_name: inputs.display_name });
    if (problems.length) {
      errors.show(problems);
      return false;
    }
    const wanted = name.input.value;
    await withChallenge((challenge) => put("/api/viewer", { display_name: wanted, ...(challenge ? { challenge } : {}) }));
    return true;
  }
  const orWords = el("p", { className: "muted account-or" });
  setText(orWords, "account.or");
  form.append(note, name ? name.row : "", passkeyButton(creating, ensureGuest, errors), orWords, email.row, password.row, summary, submit, other);
  orWords.hidden = !passkeysSupported();
  if (adding) {
    setText(submit, "account.add_email");
    for (const extra of [orWords, other, form.querySelector(".account-passkey")]) {
      extra?.remove();
    }
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problems = checkInputs(inputs);
    if (problems.length) {
      errors.show(problems);
      return;
    }
    submit.disabled = true;
    errors.clear();
    const credentials = { email: inputs.email.value, password: inputs.password.value };
    try {
      if (creating) {
        await ensureGuest();
        await post("/api/viewer/account", credentials);
      } else {
        await withChallenge((challenge) => post("/api/viewer/login", challenge ? { ...credentials, challenge } : credentials));
      }
      location.reload();
    } catch (error) {
      errors.show(error);
      submit.disabled = false;
    }
  });
  body.replaceChildren(form);
  (name ? name.input : email.input).focus();
}

/** "Your data": download everything kept about this person, or delete it after a confirmation. */
function dataSection() {
  const title = el("h3", { className: "account-subhead" });
  setText(title, "account.your_data");
  const status = el("p", { className: "error", attrs: { role: "alert" } });
  const download = el("button", { type: "button", className: "secondary", id: "account-download" });
  setText(download, "account.download");
  download.addEventListener("click", async () => {
    download.disabled = true;
    status.textContent = "";
    try {
      saveJson(await get("/api/me/export"), "livesale-my-data.json");
    } catch (error) {
      showError(status, error);
    } finally {
      download.disabled = false;
    }
  });
  const erase = el("button", { type: "button", className: "link danger", id: "account-delete" });
  setText(erase, "account.delete");
  erase.addEventListener("click", async () => {
    const sure = await confirmDialog({ title: "account.delete_title", body: "account.delete_body", confirm: "account.delete" });
    if (!sure) {
      return;
    }
    erase.disabled = true;
    try {
      await request("DELETE", "/api/me", { confirm: "delete" });
      location.reload();
    } catch (error) {
      showError(status, error);
      erase.disabled = false;
    }
  });
  return el("section", { className: "account-data-section" }, title, download, erase, status);
}
