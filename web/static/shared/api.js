// The HTTP side of both pages: one function that sends a request to the
// server and turns an error answer into an ApiError with a readable message.

/**
 * ApiError is a request the server refused (status >= 400) or could not
 * answer (status 0: the network failed).
 */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }

  /** permanent reports whether retrying the same request cannot help. */
  get permanent() {
    return this.status >= 400 && this.status < 500 && this.status !== 408 && this.status !== 429;
  }
}

/**
 * root is the URL the server's routes hang from: this module is served at
 * <root>/assets/shared/api.js. Behind a proxy that serves novatalks under a
 * path (https://example.com/chat/ with the prefix stripped) it keeps that
 * path, where an absolute path like /api would leave it.
 */
export const root = new URL('../../', import.meta.url);

/** serverURL returns the URL of a server route given as "/api/...", below root. */
export function serverURL(route) {
  return new URL(route.replace(/^\/+/, ''), root);
}

/**
 * request sends one request to the server of the page (path is a route
 * like "/api/v1/profile", see serverURL) and returns the
 * decoded JSON answer (null for an empty body). `headers` carries the
 * credentials; `json` is sent as a JSON body and `form` (FormData) as
 * multipart/form-data. It throws an ApiError.
 */
export async function request(method, path, { headers = {}, json, form, signal } = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers }, signal, cache: 'no-store' };
  if (json !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(json);
  } else if (form) {
    init.body = form; // the browser sets the multipart boundary
  }
  let resp;
  try {
    resp = await fetch(serverURL(path), init);
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError(0, 'The server cannot be reached. Check your connection.');
  }
  const text = await resp.text();
  let body = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  if (!resp.ok) throw new ApiError(resp.status, errorMessage(resp, body));
  return body;
}

/**
 * errorMessage reads the error of either API: the SDK API answers in the
 * NestJS shape {statusCode, message, error} (message may be a list), the
 * agent API in Chatwoot's {"error": "..."}.
 */
function errorMessage(resp, body) {
  let text = '';
  if (body && Array.isArray(body.message)) text = body.message.join('; ');
  else if (body && typeof body.message === 'string') text = body.message;
  else if (body && typeof body.error === 'string') text = body.error;
  const status = `${resp.status} ${resp.statusText}`.trim();
  return text ? `${text} (${status})` : `The server answered ${status}.`;
}
