// Hash router: `#/members/123?tab=x` -> the route whose pattern matches, or
// the router's own pages (notFound, forbidden, error). Routes come from the
// modules (app.js collects them); each is
//
//   { pattern: "/members/:id", name: "member", cap: "members.view", title, section }
//
// `public: true`: no sign-in needed; `guestOnly: true`: a signed-in user is sent
// home instead (the sign-in page). Signed-out users are sent to #/login.
//
// Showing a view sets the `route` store; index.html's view outlet renders the
// template whose name matches. Signed-out users come back to the page they
// asked for after signing in; a route the user's roles do not allow shows
// "Not allowed" without calling the API.

import { tokens } from "./api.js";
import { go } from "./nav.js";

/** The router's own pages: template files in core/pages/. */
export const PAGES = [
  { name: "forbidden", template: "pages/forbidden.html" },
  { name: "notFound", template: "pages/not-found.html" },
  { name: "error", template: "pages/error.html" },
];

function compile(pattern) {
  const keys = [];
  const source = pattern.replace(/:([a-z_]+)/g, (_, key) => {
    keys.push(key);
    return "([^/]+)";
  });
  return { regex: new RegExp(`^${source}/?$`), keys };
}

function parseHash() {
  const raw = (window.location.hash || "").replace(/^#/, "") || "/";
  const [path, qs = ""] = raw.split("?");
  return { path: path || "/", query: Object.fromEntries(new URLSearchParams(qs)) };
}

export function createRouter(routes) {
  const compiled = routes.map((r) => ({ ...r, ...compile(r.pattern) }));
  let resolveSeq = 0;
  let firstRender = true;

  function matchRoute(path) {
    for (const route of compiled) {
      const m = route.regex.exec(path);
      if (m) {
        const params = {};
        route.keys.forEach((k, i) => {
          params[k] = decodeURIComponent(m[i + 1]);
        });
        return { route, params };
      }
    }
    return null;
  }

  function show(view) {
    const Alpine = window.Alpine;
    const routeStore = Alpine.store("route");
    if (routeStore.current.key !== view.key) Alpine.store("notify").message = "";
    routeStore.current = { params: {}, query: {}, section: "", ...view };
    document.title = `${view.title} · UnionCore`;
    const focusHeading = !firstRender;
    firstRender = false;
    if (focusHeading) {
      // Move focus to the new view's heading so screen readers announce it.
      Alpine.nextTick(() => {
        const h1 = document.querySelector("#main h1");
        if (h1) {
          h1.setAttribute("tabindex", "-1");
          h1.focus({ preventScroll: false });
        }
      });
    }
    if (window.scrollY) window.scrollTo(0, 0);
  }

  async function resolve() {
    const seq = ++resolveSeq;
    const session = window.Alpine.store("session");
    const { path, query } = parseHash();

    const match = path === "/" ? null : matchRoute(path);

    if (!(match && match.route.public)) {
      if (!tokens.get()) {
        session.clear();
        if (path !== "/") session.returnTo = window.location.hash;
        go("#/login");
        return;
      }
      if (!session.user) {
        try {
          await session.load();
        } catch (err) {
          if (seq !== resolveSeq) return;
          if (err.status === 401) return; // the session-expired handler redirected
          show({ name: "error", key: `error:${Date.now()}`, title: "Error", message: err.message });
          return;
        }
        if (seq !== resolveSeq) return;
      }
    }

    if (path === "/") {
      go(session.user ? session.homeHash() : "#/login");
      return;
    }

    if (!match) {
      show({ name: "notFound", key: `404:${path}`, title: "Not found" });
      return;
    }

    const { route, params } = match;
    if (route.guestOnly && session.user) {
      go(session.homeHash());
      return;
    }
    if (route.cap && !session.can(route.cap)) {
      show({ name: "forbidden", key: `403:${path}`, title: "Not allowed", section: route.section });
      return;
    }
    show({ name: route.name, key: path, params, query, title: route.title, section: route.section || "" });
  }

  return { resolve, showError: (message) => show({ name: "error", key: `error:${Date.now()}`, title: "Error", message }) };
}
