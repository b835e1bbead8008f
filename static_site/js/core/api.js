// API client: token storage, Authorization header, one refresh on 401,
// uniform error objects. No other module talks to fetch() for the API.
//
// Tokens live in sessionStorage (per tab, cleared when the tab closes) with
// an in-memory fallback. They are never written to cookies or localStorage.

import { friendlyProblem } from "./format.js";

const STORAGE_KEY = "unioncore.auth";

function config() {
  const cfg = window.UNIONCORE_CONFIG || {};
  return { apiBase: String(cfg.apiBase || "/api").replace(/\/+$/, "") };
}

export function apiBase() {
  return config().apiBase;
}

// ---------------------------------------------------------------- tokens

let memoryTokens = null;

function storage() {
  try {
    const s = window.sessionStorage;
    const probe = "__uc_probe__";
    s.setItem(probe, "1");
    s.removeItem(probe);
    return s;
  } catch {
    return null; // storage disabled: keep tokens in memory only
  }
}

export const tokens = {
  get() {
    const s = storage();
    if (!s) return memoryTokens;
    try {
      return JSON.parse(s.getItem(STORAGE_KEY) || "null");
    } catch {
      return null;
    }
  },
  set(value) {
    const s = storage();
    if (!s) {
      memoryTokens = value;
      return;
    }
    if (value) s.setItem(STORAGE_KEY, JSON.stringify(value));
    else s.removeItem(STORAGE_KEY);
  },
  /** Store a token response; a refresh response may omit refresh_token. */
  save(response) {
    const previous = this.get() || {};
    const expiresIn = Number(response.expires_in) || 3600;
    this.set({
      access_token: response.access_token,
      id_token: response.id_token || previous.id_token || null,
      refresh_token: response.refresh_token || previous.refresh_token || null,
      token_type: response.token_type || "Bearer",
      expires_at: Date.now() + expiresIn * 1000,
    });
  },
  clear() {
    this.set(null);
    memoryTokens = null;
  },
  accessToken() {
    const t = this.get();
    return t ? t.access_token : null;
  },
  refreshToken() {
    const t = this.get();
    return t ? t.refresh_token : null;
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

/** Exchange the refresh token once; concurrent 401s share one attempt. */
export function refreshSession() {
  if (!refreshInFlight) {
    refreshInFlight = (async () => {
      const refresh = tokens.refreshToken();
      if (!refresh) return false;
      try {
        const res = await rawFetch("POST", "/auth/refresh", { body: { refresh_token: refresh }, auth: false });
        if (!res.ok) return false;
        const data = await parseBody(res);
        if (!data || !data.access_token) return false;
        tokens.save(data);
        return true;
      } catch {
        return false;
      }
    })().finally(() => {
      refreshInFlight = null;
    });
  }
  return refreshInFlight;
}

/**
 * Call the API. Resolves with the parsed body (null for 204), rejects with
 * ApiError. On 401 for an authenticated call: one refresh, one retry, then
 * the session-expired handler (which sends the user to the login page).
 */
export async function request(method, path, options = {}) {
  const { auth = true } = options;
  let response = await rawFetch(method, path, options);
  if (response.status === 401 && auth && tokens.get()) {
    const refreshed = await refreshSession();
    if (refreshed) response = await rawFetch(method, path, options);
    if (response.status === 401) {
      const body = await parseBody(response);
      tokens.clear();
      onSessionExpired();
      throw new ApiError(401, body, response.headers);
    }
  }
  const data = await parseBody(response);
  if (!response.ok) throw new ApiError(response.status, typeof data === "object" ? data : null, response.headers);
  return data;
}

/**
 * Sign out: forget both tokens locally at once, then ask the API to revoke
 * them (POST /auth/logout needs the bearer token as well as the refresh
 * token). The revocation runs in the background: the user is not kept
 * waiting for the identity provider, and failure changes nothing locally.
 */
export function logout() {
  const current = tokens.get();
  tokens.clear();
  if (!current || !current.access_token) return Promise.resolve();
  return fetch(buildUrl("/auth/logout"), {
    method: "POST",
    headers: {
      Accept: "application/json",
      "Content-Type": "application/json",
      Authorization: `Bearer ${current.access_token}`,
    },
    body: JSON.stringify(current.refresh_token ? { refresh_token: current.refresh_token } : {}),
    cache: "no-store",
    credentials: "omit",
  }).then(
    () => undefined,
    () => undefined, // offline: the local session is gone either way
  );
}

export const api = {
  get: (path, query) => request("GET", path, { query }),
  post: (path, body) => request("POST", path, { body: body === undefined ? {} : body }),
  patch: (path, body) => request("PATCH", path, { body }),
  put: (path, body) => request("PUT", path, { body }),
  del: (path, body) => request("DELETE", path, { body }),
  /** Unauthenticated auth endpoints (login, challenge, forgot password). */
  auth: (path, body) => request("POST", `/auth/${path}`, { body, auth: false }),
  /** Download a non-JSON resource (CSV export) as a Blob. */
  async download(path, query, accept = "text/csv") {
    const text = await request("GET", path, { query, accept });
    return new Blob([typeof text === "string" ? text : JSON.stringify(text)], { type: accept });
  },
};
