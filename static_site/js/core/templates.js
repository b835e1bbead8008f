// Screens' HTML lives in their module folders as fragments (one file per
// view, one root element each). Before Alpine starts, app.js has this module
// fetch them all and put them into the shell's view outlet in index.html:
//
//   <template x-for="view in [$store.route.current]" ...>
//     <div class="view" data-view-outlet> ← <template x-if="view.name === '…'">fragment</template> per view
//
// Fragments may use two comments, expanded here:
//   <!-- include:NAME -->  a shared partial (core/partials/NAME.html, or one a module declares)
//   <!-- slot:POINT -->    the templates other modules contribute to extension point POINT
//
// The fragments are shell files like the JS modules: the build lists them in
// the service worker's precache (static_site/build.mjs precache), so the
// installed app starts offline.

const INCLUDE = /<!--\s*include:([\w.-]+)\s*-->/g;
const SLOT = /<!--\s*slot:([\w.-]+)\s*-->/g;

/** Shown instead of a view whose template could not be fetched. */
const UNAVAILABLE = `<section class="card" role="alert" aria-labelledby="unavailable-title" data-testid="error-page">
  <h1 id="unavailable-title">Something went wrong</h1>
  <p>This page could not be loaded. Check your connection and try again.</p>
  <p><button type="button" class="btn" @click="$store.route.reload()">Try again</button></p>
</section>`;

async function fetchText(url) {
  const res = await fetch(url, { credentials: "same-origin" });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.text();
}

function rootCount(html) {
  const t = document.createElement("template");
  t.innerHTML = html;
  return t.content.children.length;
}

/**
 * views:    [{ name, url }] one per route view (and the router's own pages)
 * partials: { name: url }
 * slots:    { point: [url, …] } in order
 * Resolves to the list of URLs that could not be loaded (empty when all is well).
 */
export async function installTemplates({ views, partials, slots }) {
  const urls = new Set([...views.map((v) => v.url), ...Object.values(partials), ...Object.values(slots).flat()]);
  const texts = new Map();
  const failed = [];
  await Promise.all([...urls].map(async (url) => {
    try {
      texts.set(url, await fetchText(url));
    } catch (err) {
      failed.push(url);
      console.error(`template not loaded: ${err.message}`);
    }
  }));

  const expand = (url, seen = []) => {
    if (seen.includes(url)) throw new Error(`template includes itself: ${[...seen, url].join(" -> ")}`);
    if (!texts.has(url)) throw new Error(`template not loaded: ${url}`);
    return texts.get(url)
      .replace(INCLUDE, (_, name) => {
        if (!(name in partials)) throw new Error(`${url}: unknown partial "${name}"`);
        return expand(partials[name], [...seen, url]);
      })
      .replace(SLOT, (_, point) => (slots[point] || []).map((u) => expand(u, [...seen, url])).join("\n"));
  };

  const html = views.map(({ name, url }) => {
    let body;
    try {
      body = expand(url);
      if (rootCount(body) !== 1) throw new Error(`${url}: a view template needs exactly one root element`);
    } catch (err) {
      console.error(err.message); // offline without a cached copy, or a mistake in a template
      body = UNAVAILABLE;
    }
    return `<template x-if="view.name === '${name}'">\n${body}</template>\n`;
  }).join("\n");

  const outlet = document.querySelector("#main template[x-for]").content.querySelector("[data-view-outlet]");
  outlet.innerHTML = html;
  return failed;
}
