// The pages' one way to talk HTTP: fetch with same-origin cookies, and every
// failure (the server's JSON error, a bare HTTP status, no network) as one
// ServerError with a stable `code`.
import { errorWords } from "./field-errors.js";

/**
 * An error the server explained: `code` is its stable error code, `status` the
 * HTTP status (0 when the server was not reached), `details` what it added
 * (e.g. the invalid `field`).
 */
export class ServerError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} [message]
   * @param {Record<string, any> | null} [details]
   */
  constructor(status, code, message, details = {}) {
    super(message || code);
    this.name = "ServerError";
    /** @type {number} */
    this.status = status;
    /** @type {string} */
    this.code = code;
    /** @type {Record<string, any>} */
    this.details = details || {};
  }
}

/**
 * Read the server's `{"error": {"code", "message", "details"}}` body, or describe the HTTP status.
 * @param {Response} response
 * @returns {Promise<ServerError>}
 */
export async function errorFrom(response) {
  try {
    const body = await response.json();
    if (body && body.error && body.error.code) {
      return new ServerError(response.status, body.error.code, body.error.message, body.error.details);
    }
  } catch (_notJson) {
    // Fall through to the status line.
  }
  const text = response.statusText || "request failed";
  return new ServerError(response.status, `http_${response.status}`, `HTTP ${response.status} ${text}`);
}

/**
 * `fetch(url, init)` with same-origin cookies; resolves with the Response when
 * it is 2xx, else rejects with a ServerError (status 0, `network_error`, when
 * the server was not reached). For bodies other than JSON (SDP) and for headers.
 * @param {string | URL} url
 * @param {RequestInit} [init]
 * @returns {Promise<Response>}
 */
export async function exchange(url, init = {}) {
  let response;
  try {
    response = await fetch(url, { credentials: "same-origin", ...init });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ServerError(0, "network_error", `Could not reach the server (${reason})`);
  }
  if (!response.ok) {
    throw await errorFrom(response);
  }
  return response;
}

/**
 * The parsed JSON body of a 2xx response (null for 204 or an empty body).
 * @param {Response} response
 * @returns {Promise<any>}
 */
export async function readJson(response) {
  if (response.status === 204) {
    return null;
  }
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

/**
 * @typedef {object} RequestOptions
 * @property {boolean} [keepalive] also sent while the page is closing
 */

/**
 * The init of a JSON request: `method` with `body` (if any) as JSON, never cached.
 * @param {string} method
 * @param {unknown} [body]
 * @param {RequestOptions} [options]
 * @returns {RequestInit}
 */
export function jsonInit(method, body, { keepalive = false } = {}) {
  /** @type {Record<string, string>} */
  const headers = {};
  /** @type {RequestInit} */
  const init = { method, cache: "no-store", headers };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  if (keepalive) {
    init.keepalive = true;
  }
  return init;
}

/**
 * `method url` with an optional JSON body; resolves with the parsed JSON body
 * (null for 204). Browsers add the Origin header to these writes, which the
 * server's cross-site check requires.
 * @param {string} method
 * @param {string} url
 * @param {unknown} [body]
 * @param {RequestOptions} [options]
 * @returns {Promise<any>}
 */
export async function request(method, url, body, options = {}) {
  return readJson(await exchange(url, jsonInit(method, body, options)));
}

/**
 * POST raw bytes (an image file) with its own content type.
 * @param {string} url
 * @param {Blob} file
 * @returns {Promise<any>}
 */
export async function upload(url, file) {
  const headers = { "Content-Type": file.type || "application/octet-stream" };
  return readJson(await exchange(url, { method: "POST", headers, body: file }));
}

/** @param {string} url */
export const get = (url) => request("GET", url);
/** @param {string} url @param {unknown} [body] */
export const post = (url, body) => request("POST", url, body === undefined ? {} : body);
/** @param {string} url @param {unknown} body */
export const put = (url, body) => request("PUT", url, body);
/** @param {string} url @param {unknown} body */
export const patch = (url, body) => request("PATCH", url, body);
/** @param {string} url @param {RequestOptions} [options] */
export const del = (url, options = {}) => request("DELETE", url, undefined, options);

/**
 * A message for an error in the page's language: a validation error worded
 * from its field and reason ("Price must be at least $0.01"), else the
 * translation of its stable code (never the server's English text for a code we know).
 * @param {unknown} error
 * @returns {string}
 */
export function errorText(error) {
  return errorWords(error);
}
