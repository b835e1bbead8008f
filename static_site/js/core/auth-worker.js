/* UnionCore auth worker: the only place the refresh token lives.
 *
 * A dedicated worker of the page (js/core/api.js starts it). It makes every API call that returns or
 * uses a refresh token - the sign-in steps under /auth/, POST /auth/refresh, POST /auth/logout - keeps
 * the refresh token in its own memory and hands the page the response WITHOUT it. Scripts in the page
 * (an injected one included) cannot read a worker's variables or see its network traffic, so they can
 * never copy the refresh token out; they can only ask this worker for a new access token while the tab
 * is open. Nothing is written to storage: closing or reloading the tab ends the session.
 * Threat model and trade-offs: docs/security.md, "Web app and sessions".
 *
 * Messages from the page: { id, op, ... } -> answer { id, status, body, retryAfter }
 *   op "auth"    { path, body }   POST {apiBase}/auth/{path} (sign-in steps, sign-up, password reset)
 *   op "refresh"                  POST {apiBase}/auth/refresh with the refresh token held here
 *   op "logout"  { accessToken }  POST {apiBase}/auth/logout (bearer + refresh token); forgets it first
 *   op "forget"                   forget the refresh token (session expired or cleared)
 *
 * The API's address comes from the site's own config.js, never from a message: a script in the page
 * cannot make this worker send the refresh token anywhere else.
 */

self.window = self; // config.js assigns window.UNIONCORE_CONFIG
try {
  importScripts("../../config.js");
} catch (e) {
  /* default below */
}
const API_BASE = new URL(
  String((self.UNIONCORE_CONFIG && self.UNIONCORE_CONFIG.apiBase) || "/api").replace(/\/+$/, ""),
  new URL("../../", self.location.href),
).href;
const AUTH_PATH = /^[a-z0-9-]+(\/[a-z0-9-]+)*$/;

let refreshToken = null;

async function post(path, body, accessToken) {
  const headers = { Accept: "application/json", "Content-Type": "application/json" };
  if (accessToken) headers.Authorization = `Bearer ${accessToken}`;
  let response;
  try {
    response = await fetch(`${API_BASE}/auth/${path}`, {
      method: "POST",
      headers,
      body: JSON.stringify(body || {}),
      cache: "no-store",
      credentials: "omit",
      redirect: "error",
    });
  } catch (e) {
    return { status: 0, body: null, retryAfter: null };
  }
  let data = null;
  if ((response.headers.get("Content-Type") || "").includes("json")) {
    try {
      data = await response.json();
    } catch (e) {
      data = null;
    }
  }
  return { status: response.status, body: data, retryAfter: response.headers.get("Retry-After") };
}

/** Keep a token response's refresh token here; the page gets the rest. */
function keep(result) {
  const body = result.body;
  if (result.status >= 200 && result.status < 300 && body && typeof body === "object") {
    if (body.refresh_token) refreshToken = body.refresh_token;
    if ("refresh_token" in body) {
      const { refresh_token: _, ...rest } = body;
      return { ...result, body: rest };
    }
  }
  return result;
}

async function handle(message) {
  switch (message.op) {
    case "auth": {
      const path = String(message.path || "");
      if (!AUTH_PATH.test(path) || path === "refresh" || path === "logout") return { status: 400, body: null };
      return keep(await post(path, message.body));
    }
    case "refresh": {
      if (!refreshToken) return { status: 401, body: null };
      const result = keep(await post("refresh", { refresh_token: refreshToken }));
      // Refused (revoked, expired, user disabled): it will never work again.
      if (result.status === 400 || result.status === 401 || result.status === 403) refreshToken = null;
      return result;
    }
    case "logout": {
      const token = refreshToken;
      refreshToken = null;
      if (!message.accessToken) return { status: 204, body: null };
      return post("logout", token ? { refresh_token: token } : {}, message.accessToken);
    }
    case "forget":
      refreshToken = null;
      return { status: 204, body: null };
    default:
      return { status: 400, body: null };
  }
}

self.addEventListener("message", (event) => {
  const message = event.data || {};
  handle(message).then(
    (result) => self.postMessage({ id: message.id, status: result.status, body: result.body, retryAfter: result.retryAfter || null }),
    () => self.postMessage({ id: message.id, status: 0, body: null, retryAfter: null }),
  );
});
