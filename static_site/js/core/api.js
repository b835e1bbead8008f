// API client: tokens, Authorization header, refresh before expiry and once
// on 401, uniform error objects. No other module talks to fetch() for the API.
//
// Tokens (docs/security.md, "Web app and sessions"):
//  - the access and id tokens live in this module's memory only - never in
//    storage or cookies: closing or reloading the tab ends the session;
//  - the refresh token never enters the page at all: the auth worker
//    (./auth-worker.js) makes every call that returns or uses it (sign-in
//    steps, refresh, sign-out), keeps it, and hands the page the rest;
//  - the access token is renewed before it expires (at 80 % of `expires_in`,
//    again when the tab becomes visible, and before a request if it is due),
//    and a request refused with 401 is retried once after a refresh.

import { friendlyProblem } from "./format.js";

function config() {
  const cfg = window.UNIONCORE_CONFIG || {};
  return { apiBase: String(cfg.apiBase || "/api").replace(/\/+$/, "") };
}

export function apiBase() {
  return config().apiBase;
}

// ---------------------------------------------------------------- the auth worker

let worker = null;
let nextId = 0;
const waiting = new Map();

function authWorker() {
  if (!worker) {
    worker = new Worker(new URL("./auth-worker.js", import.meta.url));
    worker.addEventListener("message", (event) => {
      const { id, ...result } = event.data || {};
      const done = waiting.get(id);
      waiting.delete(id);
      if (done) done(result);
    });
    worker.addEventListener("error", () => {
      // The worker did not load (offline before it was cached) or broke: answer "no connection" and
      // start a fresh one next time (a refresh token it held is gone: the next refresh is refused).
      for (const done of waiting.values()) done({ status: 0, body: null, retryAfter: null });
      waiting.clear();
      if (worker) worker.terminate();
      worker = null;
    });
  }
  return worker;
}

/** Ask the auth worker; resolves with { status, body, retryAfter } (status 0: no answer). */
function askWorker(message) {
  return new Promise((resolve) => {
    nextId += 1;
    waiting.set(nextId, resolve);
    try {
      authWorker().postMessage({ id: nextId, ...message });
    } catch {
      waiting.delete(nextId);
      resolve({ status: 0, body: null, retryAfter: null });
    }
  });
}

// ---------------------------------------------------------------- tokens

const RENEW_AT = 0.8; // renew the access token when 80 % of its lifetime has passed
const RETRY_RENEW_MS = 30_000; // server unreachable: try again

let current = null; // { access_token, id_token, token_type, expires_at, renew_at }
let renewTimer = null;

function scheduleRenewal() {
  clearTimeout(renewTimer);
  renewTimer = null;
  if (current) renewTimer = setTimeout(renewNow, Math.max(0, current.renew_at - Date.now()));
}

async function renewNow() {
  if (!current) return;
  const outcome = await refreshSession();
  if (outcome === "refused") expireSession();
  else if (outcome === "unavailable" && current) {
    clearTimeout(renewTimer);
    renewTimer = setTimeout(renewNow, RETRY_RENEW_MS);
  }
}

// A phone or a background tab may sleep through the timer: renew as soon as the tab is visible again.
if (typeof document !== "undefined") {
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && current && Date.now() >= current.renew_at) renewNow();
  });
}

export const tokens = {
  get() {
    return current;
  },
  /** Store a token response (its refresh token, if any, stays with the auth worker). */
  save(response) {
    const lifetime = (Number(response.expires_in) || 3600) * 1000;
    const now = Date.now();
    current = {
      access_token: response.access_token,
      id_token: response.id_token || (current && current.id_token) || null,
      token_type: response.token_type || "Bearer",
      expires_at: now + lifetime,
      renew_at: now + lifetime * RENEW_AT,
    };
    scheduleRenewal();
  },
  clear() {
    current = null;
    scheduleRenewal();
    askWorker({ op: "forget" });
  },
  accessToken() {
    return current ? current.access_token : null;
  },
};

// ---------------------------------------------------------------- errors

const FALLBACK_MESSAGES = {
  0: "Could not reach the server. Check your connection and try again.",
  400: "The request was not valid.",
  401: "Your session has expired. Please sign in again.",
  403: "You don't have permission to do that.",
  404: "Not found.",
  409: "This record was changed by someone else.",
  422: "Some fields need attention.",
  429: "Too many attempts. Please wait and try again.",
  500: "Something went wrong on the server. Please try again.",
};

export class ApiError extends Error {
  constructor(status, body, headers) {
    const err = (body && body.error) || {};
    const message = err.message || FALLBACK_MESSAGES[status] || FALLBACK_MESSAGES[500];
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.serverMessage = err.message || null;
    this.code = err.code || (status === 0 ? "NETWORK_ERROR" : `HTTP_${status}`);
    this.fields = Array.isArray(err.fields) ? err.fields : [];
    this.current = err.current || null; // 409 CONCURRENT_UPDATE carries the current record
    const retry = headers ? headers.get("Retry-After") : null;
    this.retryAfter = retry && /^\d+$/.test(retry) ? Number(retry) : null;
  }

  /** {fieldName: problem} for showing next to inputs. */
  fieldMap() {
    const map = {};
    for (const f of this.fields) {
      if (!f || !f.name) continue;
      // "body.phone" / "phone" -> "phone"; a model-level problem arrives as "body".
      const name = f.name.replace(/^body\./, "");
      if (!map[name]) map[name] = friendlyProblem(name, f.problem || "Invalid value.");
    }
    return map;
  }
}

// ---------------------------------------------------------------- requests

let onSessionExpired = () => {};
export function setSessionExpiredHandler(fn) {
  onSessionExpired = fn;
}

function expireSession() {
  if (!current) return;
  tokens.clear();
  onSessionExpired();
}

function buildUrl(path, query) {
  let url = apiBase() + path;
  if (query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
    }
    const qs = params.toString();
    if (qs) url += (url.includes("?") ? "&" : "?") + qs;
  }
  return url;
}

async function parseBody(response) {
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("json")) {
    try {
      return await response.json();
    } catch {
      return null;
    }
  }
  return await response.text();
}

async function rawFetch(method, path, { body, query, auth = true, accept = "application/json" } = {}) {
  const headers = { Accept: accept };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (auth) {
    const token = tokens.accessToken();
    if (token) headers.Authorization = `Bearer ${token}`;
  }
  try {
    return await fetch(buildUrl(path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",          // API responses must never come from a cache
      credentials: "omit",        // no cookies: auth is the bearer token only
      redirect: "error",
    });
  } catch {
    throw new ApiError(0, null, null);
  }
}

let refreshInFlight = null;

/**
 * A new access token from the auth worker's refresh token; concurrent callers share one attempt.
 * Resolves "ok", "refused" (the refresh token no longer works: sign in again) or "unavailable"
 * (no answer, 5xx, 429: the session stays, try later).
 */
export function refreshSession() {
  if (!refreshInFlight) {
    refreshInFlight = askWorker({ op: "refresh" }).then((result) => {
      if (result.status === 200 && result.body && result.body.access_token) {
        if (current) tokens.save(result.body);
        return current ? "ok" : "refused"; // signed out meanwhile
      }
      if (result.status === 0 || result.status === 429 || result.status >= 500) return "unavailable";
      return "refused";
    }).finally(() => {
      refreshInFlight = null;
    });
  }
  return refreshInFlight;
}

/**
 * Call the API. Resolves with the parsed body (null for 204), rejects with
 * ApiError. An authenticated call renews a due access token first; on 401 it
 * refreshes once and retries once, and if the refresh is refused it ends the
 * session (the session-expired handler sends the user to the login page). If
 * the server cannot be reached for the refresh, the session stays and the call
 * fails like any other call without a connection.
 */
export async function request(method, path, options = {}) {
  const { auth = true } = options;
  if (auth && current && Date.now() >= current.expires_at - 5000) {
    await renewNow();
    if (!current) throw new ApiError(401, null, null); // refused: the session-expired handler took over
  }
  let response = await rawFetch(method, path, options);
  if (response.status === 401 && auth && current) {
    const outcome = await refreshSession();
    if (outcome === "unavailable") throw new ApiError(0, null, null);
    if (outcome === "ok") response = await rawFetch(method, path, options);
    if (response.status === 401 || outcome === "refused") {
      const body = await parseBody(response);
      expireSession();
      throw new ApiError(401, typeof body === "object" ? body : null, response.headers);
    }
  }
  const data = await parseBody(response);
  if (!response.ok) throw new ApiError(response.status, typeof data === "object" ? data : null, response.headers);
  return data;
}

/** The sign-in steps, sign-up and password reset (POST /auth/<path>), made by the auth worker. */
async function authCall(path, body) {
  const result = await askWorker({ op: "auth", path, body: body === undefined ? {} : body });
  const headers = { get: (name) => (String(name).toLowerCase() === "retry-after" ? result.retryAfter : null) };
  if (result.status === 0) throw new ApiError(0, null, null);
  if (result.status < 200 || result.status >= 300) throw new ApiError(result.status, result.body, headers);
  return result.body;
}

/**
 * Sign out: forget the tokens here at once; the auth worker forgets the
 * refresh token and asks the API to revoke it and every access token issued
 * so far (POST /auth/logout, bearer + refresh token) in the background: the
 * user is not kept waiting, and failure changes nothing locally.
 */
export function logout() {
  const access = tokens.accessToken();
  current = null;
  scheduleRenewal();
  return askWorker({ op: "logout", accessToken: access }).then(() => undefined);
}

export const api = {
  get: (path, query) => request("GET", path, { query }),
  post: (path, body) => request("POST", path, { body: body === undefined ? {} : body }),
  patch: (path, body) => request("PATCH", path, { body }),
  put: (path, body) => request("PUT", path, { body }),
  del: (path, body) => request("DELETE", path, { body }),
  /** Unauthenticated auth endpoints (login, challenge, forgot password): through the auth worker. */
  auth: (path, body) => authCall(path, body),
  /** Download a non-JSON resource (CSV export) as a Blob. */
  async download(path, query, accept = "text/csv") {
    const text = await request("GET", path, { query, accept });
    return new Blob([typeof text === "string" ? text : JSON.stringify(text)], { type: accept });
  },
};
