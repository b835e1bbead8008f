// Entry point. Registers Alpine stores/components on `alpine:init`; Alpine
// itself (vendor/alpine.min.js, a deferred classic script placed after this
// module in index.html) starts right after this module has executed.

import { api, tokens, setSessionExpiredHandler, logout as apiLogout } from "./api.js";
import { can, STAFF_ROLES } from "./model.js";
import { go } from "./nav.js";
import { views } from "./views.js";

// ---------------------------------------------------------------- routes

const ROUTES = [
  { pattern: "/login", name: "login", public: true, title: "Sign in" },
  { pattern: "/members", name: "members", section: "members", cap: "members.view", title: "Members" },
  { pattern: "/members/new", name: "memberNew", section: "members", cap: "members.create", title: "New member" },
  { pattern: "/members/:id", name: "member", section: "members", cap: "members.view", title: "Member" },
  { pattern: "/employers", name: "employers", section: "employers", cap: "employers.view", title: "Employers" },
  { pattern: "/employers/new", name: "employerNew", section: "employers", cap: "employers.edit", title: "New employer" },
  { pattern: "/employers/:id", name: "employer", section: "employers", cap: "employers.view", title: "Employer" },
  { pattern: "/audit", name: "audit", section: "audit", cap: "audit.view", title: "Audit log" },
  { pattern: "/profile", name: "profile", section: "profile", cap: "profile", title: "My profile" },
  { pattern: "/users", name: "users", section: "users", cap: "users.admin", title: "Users" },
];

function compile(pattern) {
  const keys = [];
  const source = pattern.replace(/:([a-z_]+)/g, (_, key) => {
    keys.push(key);
    return "([^/]+)";
  });
  return { regex: new RegExp(`^${source}/?$`), keys };
}
const COMPILED = ROUTES.map((r) => ({ ...r, ...compile(r.pattern) }));

function parseHash() {
  const raw = (window.location.hash || "").replace(/^#/, "") || "/";
  const [path, qs = ""] = raw.split("?");
  return { path: path || "/", query: Object.fromEntries(new URLSearchParams(qs)) };
}

function matchRoute(path) {
  for (const route of COMPILED) {
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

// ---------------------------------------------------------------- stores

function sessionStore() {
  return {
    status: "booting", // booting | anonymous | authenticated
    user: null,
    member: null,
    notice: "", // message for the login page (e.g. session expired)
    returnTo: "",
    get roles() {
      return (this.user && this.user.roles) || [];
    },
    get isStaff() {
      return this.roles.some((r) => STAFF_ROLES.includes(r));
    },
    get hasProfile() {
      return !!this.user && (this.roles.includes("member") || !!this.user.member_id);
    },
    can(capability) {
      if (capability === "profile") return this.hasProfile;
      return can(this.roles, capability);
    },
    homeHash() {
      if (this.can("members.view")) return "#/members";
      if (this.hasProfile) return "#/profile";
      if (this.can("users.admin")) return "#/users";
      if (this.can("audit.view")) return "#/audit"; // instructors
      return "#/profile";
    },
    async load() {
      const me = await api.get("/me");
      this.user = me.user;
      this.member = me.member || null;
      this.status = "authenticated";
    },
    clear() {
      this.user = null;
      this.member = null;
      this.status = "anonymous";
    },
    logout() {
      apiLogout(); // not awaited: revocation continues in the background
      this.clear();
      window.Alpine.store("lists").reset();
      this.notice = "You have signed out.";
      go("#/login");
    },
  };
}

function notifyStore() {
  let timer = null;
  return {
    message: "",
    /** Polite status message (role=status region), e.g. "Changes saved." */
    say(message) {
      this.message = "";
      clearTimeout(timer);
      // Re-set on the next frame so repeated messages are announced again.
      requestAnimationFrame(() => {
        this.message = message;
        timer = setTimeout(() => {
          this.message = "";
        }, 6000);
      });
    },
  };
}

/** Search state kept across navigation (back from a detail keeps results). */
function listsStore() {
  const fresh = () => ({
    members: { q: "", status: "", classification: "", card_type: "", include_deleted: false, items: [], next_cursor: null, searched: false },
    employers: { q: "", contract_code: "", items: [], next_cursor: null, searched: false },
  });
  return {
    ...fresh(),
    reset() {
      Object.assign(this, fresh());
    },
  };
}

// ---------------------------------------------------------------- router

let resolveSeq = 0;
let firstRender = true;

async function resolveRoute() {
  const seq = ++resolveSeq;
  const Alpine = window.Alpine;
  const session = Alpine.store("session");
  const routeStore = Alpine.store("route");
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
  if (route.name === "login" && session.user) {
    go(session.homeHash());
    return;
  }
  if (route.cap && !session.can(route.cap)) {
    show({ name: "forbidden", key: `403:${path}`, title: "Not allowed", section: route.section });
    return;
  }
  show({ name: route.name, key: path, params, query, title: route.title, section: route.section || "" });

  function show(view) {
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
}

// ---------------------------------------------------------------- boot

document.addEventListener("alpine:init", () => {
  const Alpine = window.Alpine;
  Alpine.store("session", sessionStore());
  Alpine.store("notify", notifyStore());
  Alpine.store("lists", listsStore());
  Alpine.store("route", { current: { name: "booting", key: "booting", params: {}, query: {}, section: "" } });

  for (const [name, factory] of Object.entries(views)) Alpine.data(name, factory);

  setSessionExpiredHandler(() => {
    const session = Alpine.store("session");
    if (session.status === "authenticated") session.notice = "Your session has expired. Please sign in again.";
    session.clear();
    const here = window.location.hash;
    if (here && !here.startsWith("#/login")) session.returnTo = here;
    go("#/login");
  });

  window.addEventListener("hashchange", resolveRoute);
});

document.addEventListener("alpine:initialized", () => {
  resolveRoute();
});

if ("serviceWorker" in navigator && window.isSecureContext) {
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("sw.js").catch(() => {
      /* the app works without offline support */
    });
  });
}
