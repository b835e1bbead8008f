// Entry point. Builds the app from its feature modules (js/modules/index.js):
// their routes, navigation links, Alpine components, capability tables,
// templates and extensions. Then it puts the templates into the shell and
// starts Alpine (vendor/alpine.min.js, loaded here once the templates are in
// place; its `alpine:init` registers the stores and components).
//
// A module (js/modules/<name>/index.js) exports a definition:
//
//   {
//     name, url: import.meta.url,       url: templates are resolved against it
//     capabilities,                     its capabilities.js (core/permissions.js)
//     labels?,                          { field: "Label" } (core/format.js fieldLabel)
//     lists?,                           { name: () => fresh search state } (the `lists` store)
//     views?,                           { componentName: factory } for x-data="componentName"
//     routes?: [{ pattern, name, template, title, cap?, section?, public?, guestOnly?,
//                 nav?: { label, order },   a link in the main navigation
//                 home?: { rank, fallback? } }],  a candidate home page (lowest rank the user may open)
//     extensions?: { point: [{ …, template? }] },  core/extensions.js
//     partials?: { name: "file.html" },            <!-- include:name --> in any template
//   }

import * as MODULES from "./modules/index.js";
import { setSessionExpiredHandler } from "./core/api.js";
import { extend, extensions } from "./core/extensions.js";
import { registerFieldLabels } from "./core/format.js";
import { go } from "./core/nav.js";
import { registerCapabilities } from "./core/permissions.js";
import { createRouter, PAGES } from "./core/router.js";
import { sessionStore, notifyStore, listsStore } from "./core/session.js";
import { installTemplates } from "./core/templates.js";

const CORE = new URL("./core/", import.meta.url);
const CORE_PARTIALS = { "form-error": "partials/form-error.html", "conflict-banner": "partials/conflict-banner.html" };

function unique(kind, seen, key, owner) {
  if (seen.has(key)) throw new Error(`${kind} "${key}" of module ${owner} is already defined by ${seen.get(key)}`);
  seen.set(key, owner);
}

/** Everything the shell needs, collected from the module definitions. */
function assemble(modules) {
  const routes = [];
  const nav = [];
  const homes = [];
  const views = {};
  const lists = {};
  const templates = PAGES.map((p) => ({ name: p.name, url: new URL(p.template, CORE).href }));
  const partials = Object.fromEntries(Object.entries(CORE_PARTIALS).map(([n, f]) => [n, new URL(f, CORE).href]));
  const points = new Set();
  const seen = { view: new Map(), route: new Map(), pattern: new Map(), list: new Map(), partial: new Map() };

  for (const mod of modules) {
    const here = (file) => new URL(file, mod.url).href;
    registerCapabilities(mod.capabilities || {}, mod.name);
    if (mod.labels) registerFieldLabels(mod.labels);
    for (const [name, make] of Object.entries(mod.lists || {})) {
      unique("list", seen.list, name, mod.name);
      lists[name] = make;
    }
    for (const [name, factory] of Object.entries(mod.views || {})) {
      unique("component", seen.view, name, mod.name);
      views[name] = factory;
    }
    for (const [name, file] of Object.entries(mod.partials || {})) {
      unique("partial", seen.partial, name, mod.name);
      partials[name] = here(file);
    }
    for (const route of mod.routes || []) {
      unique("route", seen.route, route.name, mod.name);
      unique("path", seen.pattern, route.pattern, mod.name);
      const { template, nav: link, home, ...rest } = route;
      routes.push(rest);
      templates.push({ name: route.name, url: here(template) });
      const hash = `#${route.pattern}`;
      if (link) nav.push({ href: hash, label: link.label, order: link.order, cap: route.cap, section: route.section, testid: `nav-${route.section}` });
      if (home) homes.push({ hash, cap: route.cap, rank: home.rank, fallback: !!home.fallback });
    }
    for (const [point, items] of Object.entries(mod.extensions || {})) {
      for (const item of items) {
        const withUrl = item.template ? { ...item, template: here(item.template), module: mod.name } : { ...item, module: mod.name };
        extend(point, withUrl);
        points.add(point);
      }
    }
  }
  nav.sort((a, b) => a.order - b.order);
  // <!-- slot:POINT --> receives the templates of POINT's contributions, in their order.
  const slots = Object.fromEntries([...points].map((p) => [p, extensions(p).filter((i) => i.template).map((i) => i.template)]));
  return { routes, nav, homes, views, lists, templates, partials, slots };
}

const app = assemble(Object.values(MODULES));
const router = createRouter(app.routes);

// ---------------------------------------------------------------- Alpine

document.addEventListener("alpine:init", () => {
  const Alpine = window.Alpine;
  Alpine.store("session", sessionStore(app.homes));
  Alpine.store("notify", notifyStore());
  Alpine.store("lists", listsStore(app.lists));
  Alpine.store("nav", {
    items: app.nav,
    /** The links the signed-in user's roles allow (the CSP build evaluates no arrow functions in templates). */
    get allowed() {
      return this.items.filter((item) => Alpine.store("session").can(item.cap));
    },
  });
  Alpine.store("route", {
    current: { name: "booting", key: "booting", params: {}, query: {}, section: "" },
    reload() {
      window.location.reload();
    },
  });
  // The skip link moves focus to <main> without changing the hash route.
  Alpine.data("skipLink", () => ({
    focusMain() {
      document.getElementById("main").focus();
    },
  }));

  for (const [name, factory] of Object.entries(app.views)) Alpine.data(name, factory);

  setSessionExpiredHandler(() => {
    const session = Alpine.store("session");
    if (session.status === "authenticated") session.notice = "Your session has expired. Please sign in again.";
    session.clear();
    const here = window.location.hash;
    if (here && !here.startsWith("#/login")) session.returnTo = here;
    go("#/login");
  });

  window.addEventListener("hashchange", router.resolve);
});

document.addEventListener("alpine:initialized", () => {
  router.resolve();
});

function startAlpine() {
  const script = document.createElement("script");
  script.src = "vendor/alpine.min.js";
  document.head.appendChild(script);
}

if ("serviceWorker" in navigator && window.isSecureContext) {
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("sw.js").catch(() => {
      /* the app works without offline support */
    });
  });
}

// Alpine starts once the templates are in the shell (a view whose template
// could not be fetched shows "Something went wrong" instead).
installTemplates({ views: app.templates, partials: app.partials, slots: app.slots }).then(startAlpine, (err) => {
  console.error(err);
  startAlpine();
});
