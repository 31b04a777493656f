// JSON over fetch for the REST API: cookies same-origin, errors as ServerError.
import { errorFrom, ServerError } from "./session.js";
import { errorWords } from "./field-errors.js";

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
 * A message for an error in the page's language: a validation error worded
 * from its field and reason ("Price must be at least $0.01"), else the
 * translation of its stable code (never the server's English text for a code we know).
 */
export function errorText(error) {
  return errorWords(error);
}
