// JSON over fetch for the REST API: cookies same-origin, errors as ServerError.
import { errorFrom, ServerError } from "./session.js";
import { has, t } from "./i18n.js";

/**
 * `method url` with an optional JSON body; resolves with the parsed JSON body
 * (null for 204). Browsers add the Origin header to these writes, which the
 * server's cross-site check requires.
 */
export async function request(method, url, body) {
  const init = { method, credentials: "same-origin", cache: "no-store", headers: {} };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  return send(url, init);
}

/** POST raw bytes (an image file) with its own content type. */
export async function upload(url, file) {
  return send(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": file.type || "application/octet-stream" },
    body: file,
  });
}

async function send(url, init) {
  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new ServerError(0, "network_error", `Could not reach the server (${error.message})`);
  }
  if (!response.ok) {
    throw await errorFrom(response);
  }
  if (response.status === 204) {
    return null;
  }
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

export const get = (url) => request("GET", url);
export const post = (url, body) => request("POST", url, body === undefined ? {} : body);
export const put = (url, body) => request("PUT", url, body);
export const patch = (url, body) => request("PATCH", url, body);
export const del = (url) => request("DELETE", url);

/**
 * A message for an error: the translation of its stable code when we have one,
 * else the server's English message. A validation error keeps the server's
 * English explanation too: only it says what is wrong with the field.
 */
export function errorText(error) {
  const code = error && error.code;
  if (code === "validation_failed" && error.message) {
    return `${t("error.validation_failed")}: ${error.message}`;
  }
  if (code && has(`error.${code}`)) {
    return t(`error.${code}`);
  }
  return (error && error.message) || t("error.unknown");
}
