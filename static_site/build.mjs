#!/usr/bin/env node
// Static-site build helper (no bundler).
//
//   node static_site/build.mjs vendor    copy pinned front-end libraries from
//                                        node_modules into static_site/vendor/
//   node static_site/build.mjs precache  write the service worker's precache
//                                        list (SHELL in sw.js) from the files
//                                        the site ships, with a content hash
//                                        of them as the cache version
//   node static_site/build.mjs check     verify the shell: no external (CDN)
//                                        URLs, the precache list is current
//                                        (every shipped file, nothing else,
//                                        version matches the content), JS
//                                        parses, module templates exist,
//                                        every Alpine expression is one the
//                                        CSP build evaluates, and the
//                                        Content-Security-Policy is strict
//                                        (no 'unsafe-eval', connect-src only
//                                        'self' and the API's origin).
//   node static_site/build.mjs configure --api-base URL [--site DIR]
//                                        a deployment's site: config.js with
//                                        the API URL, the CSP's connect-src
//                                        with its origin, the precache list
//                                        (DIR: a copy of static_site/, see
//                                        docs/deploy.md).
//
// npm scripts: `npm run vendor` (vendor + precache), `npm run precache`,
// `npm run check`, `npm run build` (vendor + precache + check).

import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, extname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";

const SITE = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(SITE);
const VENDOR = join(SITE, "vendor");

/** Libraries to vendor: [npm package, file inside the package, target name in vendor/]. */
const LIBS = [
  // Alpine's CSP build: it evaluates expressions with its own parser instead of `new Function`, so the
  // Content-Security-Policy needs no 'unsafe-eval' (`check` verifies every expression parses with it).
  { pkg: "@alpinejs/csp", file: "dist/cdn.min.js", target: "alpine.min.js" },
  // TOTP set-up: the otpauth:// key as a QR code, drawn in the browser (the key never leaves the page).
  { pkg: "qrcode-generator", file: "dist/qrcode.js", target: "qrcode.js" },
];

function pkgDir(name) {
  return join(ROOT, "node_modules", name);
}

function vendor() {
  mkdirSync(VENDOR, { recursive: true });
  const manifest = {};
  for (const lib of LIBS) {
    const dir = pkgDir(lib.pkg);
    const src = join(dir, lib.file);
    if (!existsSync(src)) {
      console.error(`missing ${relative(ROOT, src)} – run \`npm ci\` first`);
      process.exit(1);
    }
    const { version } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    copyFileSync(src, join(VENDOR, lib.target));
    const licenseSrc = [lib.license, "LICENSE", "LICENSE.md", "LICENSE.txt"].map((f) => f && join(dir, f)).find((p) => p && existsSync(p));
    if (licenseSrc) copyFileSync(licenseSrc, join(VENDOR, `${lib.target}.LICENSE.txt`));
    const sha256 = createHash("sha256").update(readFileSync(src)).digest("hex");
    manifest[lib.target] = { package: lib.pkg, version, source: lib.file, sha256 };
    console.log(`vendored ${lib.pkg}@${version} -> static_site/vendor/${lib.target}`);
  }
  writeFileSync(join(VENDOR, "VERSIONS.json"), `${JSON.stringify(manifest, null, 2)}\n`);
}

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== "vendor" && name !== "node_modules") walk(p, out);
    } else out.push(p);
  }
  return out;
}

// ---------------------------------------------------------------- precache

const PRECACHE_BLOCK = /\/\/ BEGIN PRECACHE[^\n]*\n([\s\S]*?)\/\/ END PRECACHE[^\n]*\n/;

/**
 * The app shell the service worker precaches: the page, its configuration
 * and manifest, everything under css/, js/ (modules and their templates) and
 * icons/, and the vendored runtime libraries. Not: sw.js itself, build.mjs,
 * vendor licences and VERSIONS.json, dotfiles.
 */
function shellFiles(site = SITE) {
  const files = ["index.html", "config.js", "manifest.webmanifest"];
  for (const dir of ["css", "js", "icons"]) {
    const found = existsSync(join(site, dir)) ? walk(join(site, dir)) : [];
    for (const file of found) {
      const rel = relative(site, file).split("\\").join("/");
      if (!rel.split("/").some((part) => part.startsWith("."))) files.push(rel);
    }
  }
  for (const lib of LIBS) files.push(`vendor/${lib.target}`);
  return [...new Set(files)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Content hash of the shell (paths and bytes): the cache version, so a deploy that changes any file replaces old caches. */
function shellVersion(files, site = SITE) {
  const hash = createHash("sha256");
  for (const f of files) {
    hash.update(`${f}\0`);
    hash.update(existsSync(join(site, f)) ? readFileSync(join(site, f)) : "(missing)");
    hash.update("\0");
  }
  return hash.digest("hex").slice(0, 16);
}

function precacheBlock(files, version) {
  const list = ["./", ...files].map((f) => `  ${JSON.stringify(f)},`).join("\n");
  return "// BEGIN PRECACHE (generated by `node static_site/build.mjs precache` – do not edit by hand)\n"
    + `const PRECACHE_VERSION = ${JSON.stringify(version)};\n`
    + `const SHELL = [\n${list}\n];\n`
    + "// END PRECACHE\n";
}

function precache(site = SITE) {
  const SW = join(site, "sw.js");
  const files = shellFiles(site);
  const missing = files.filter((f) => !existsSync(join(site, f)));
  if (missing.length) {
    console.error(`cannot precache missing files: ${missing.join(", ")}${missing.some((f) => f.startsWith("vendor/")) ? " – run `npm run vendor`" : ""}`);
    process.exit(1);
  }
  const version = shellVersion(files, site);
  const sw = readFileSync(SW, "utf8");
  if (!PRECACHE_BLOCK.test(sw)) {
    console.error("sw.js: no `// BEGIN PRECACHE … // END PRECACHE` block to rewrite");
    process.exit(1);
  }
  const updated = sw.replace(PRECACHE_BLOCK, precacheBlock(files, version));
  if (updated !== sw) writeFileSync(SW, updated);
  console.log(`precache: ${files.length + 1} shell entries, version ${version}${updated === sw ? " (unchanged)" : ` -> ${relative(ROOT, SW) || SW}`}`);
}

/** The module definitions, read as the browser would (js/modules/index.js), to check their templates. */
async function checkModules(problems) {
  let modules;
  try {
    modules = Object.values(await import(pathToFileURL(join(SITE, "js", "modules", "index.js")).href));
  } catch (e) {
    problems.push(`js/modules/index.js does not load in node: ${e.message}`);
    return;
  }
  const partials = new Set(readdirSync(join(SITE, "js", "core", "partials")).map((f) => f.replace(/\.html$/, "")));
  const points = new Set();
  const templates = [];
  for (const mod of modules) {
    if (!mod || !mod.name || !mod.url) {
      problems.push("js/modules/index.js: every export must be a module definition with name and url");
      continue;
    }
    const file = (name) => fileURLToPath(new URL(name, mod.url));
    for (const name of Object.keys(mod.partials || {})) partials.add(name);
    for (const [name, f] of Object.entries(mod.partials || {})) templates.push([`${mod.name} partial ${name}`, file(f)]);
    for (const r of mod.routes || []) templates.push([`${mod.name} route ${r.name}`, file(r.template || "")]);
    for (const [point, items] of Object.entries(mod.extensions || {})) {
      points.add(point);
      for (const item of items) if (item.template) templates.push([`${mod.name} ${point} ${item.id}`, file(item.template)]);
    }
  }
  for (const f of readdirSync(join(SITE, "js", "core", "pages"))) templates.push([`core page ${f}`, join(SITE, "js", "core", "pages", f)]);
  for (const [what, path] of templates) {
    if (!existsSync(path) || !statSync(path).isFile()) {
      problems.push(`${what}: template ${relative(ROOT, path)} does not exist`);
      continue;
    }
    const text = readFileSync(path, "utf8");
    for (const m of text.matchAll(/<!--\s*include:([\w.-]+)\s*-->/g)) {
      if (!partials.has(m[1])) problems.push(`${relative(ROOT, path)}: unknown partial "${m[1]}"`);
    }
    for (const m of text.matchAll(/<!--\s*slot:([\w.-]+)\s*-->/g)) {
      if (!points.has(m[1])) problems.push(`${relative(ROOT, path)}: no module contributes to slot "${m[1]}"`);
    }
  }
}

// ---------------------------------------------------------------- Alpine expressions (CSP build)

/**
 * The CSP build's own expression parser (`src/parser.js` of @alpinejs/csp: no imports), so `check` refuses
 * exactly what the vendored Alpine cannot evaluate. Evaluated here with an empty `globalThis`: the parser
 * only records the page's globals in order to refuse them at run time.
 */
function cspParser() {
  const file = join(pkgDir("@alpinejs/csp"), "src", "parser.js");
  if (!existsSync(file)) return null;
  const source = readFileSync(file, "utf8")
    .replace(/^export function /gm, "function ")
    .replace(/^export \{[^}]*\};?\s*$/gm, "");
  const { Tokenizer, Parser } = new Function("globalThis", `${source}\nreturn { Tokenizer, Parser };`)({});
  return (expression) => new Parser(new Tokenizer(expression).tokenize()).parse();
}

// Alpine attributes whose value is an expression (x-ref, x-cloak, x-transition … are not).
const ALPINE_ATTR = /\s((?:x-[\w:.-]+|@[\w:.-]+|:[\w.:-]+))\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const NOT_EXPRESSION = /^x-(ref|cloak|ignore|teleport|transition)\b/;
// Names an expression cannot reach in the CSP build: it sees component data, stores and magics only.
const PAGE_GLOBALS = new Set([
  "window", "document", "globalThis", "self", "location", "navigator", "console", "localStorage", "sessionStorage",
  "alert", "confirm", "prompt", "fetch", "setTimeout", "setInterval", "clearTimeout", "requestAnimationFrame",
  "Math", "JSON", "Date", "Number", "String", "Boolean", "Object", "Array", "Promise", "RegExp", "Intl", "Symbol",
  "Map", "Set", "Error", "URL", "URLSearchParams", "parseInt", "parseFloat", "isNaN", "encodeURIComponent",
  "decodeURIComponent", "encodeURI", "decodeURI", "structuredClone",
]);

const unescapeHtml = (text) => text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<")
  .replace(/&gt;/g, ">").replace(/&amp;/g, "&");

/** The root identifiers an expression reads (not property names after a dot, not object keys). */
function rootNames(node, out = []) {
  if (Array.isArray(node)) {
    for (const item of node) rootNames(item, out);
  } else if (node && typeof node === "object") {
    if (node.type === "Identifier") out.push(node.name);
    else if (node.type === "MemberExpression") {
      rootNames(node.object, out);
      if (node.computed) rootNames(node.property, out);
    } else if (node.type === "Property") {
      if (node.computed) rootNames(node.key, out);
      rootNames(node.value, out);
    } else for (const [key, value] of Object.entries(node)) if (key !== "type") rootNames(value, out);
  }
  return out;
}

/** Every Alpine expression in the site's HTML (and HTML kept in JS strings) must be one the CSP build runs. */
function checkAlpineExpressions(problems) {
  const parse = cspParser();
  if (!parse) {
    problems.push("node_modules/@alpinejs/csp/src/parser.js not found – run `npm ci`");
    return 0;
  }
  let count = 0;
  const files = walk(SITE).filter((p) => p.endsWith(".html") || (p.endsWith(".js") && !p.endsWith("build.mjs")));
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(ALPINE_ATTR)) {
      const name = m[1];
      let expression = unescapeHtml(m[2] ?? m[3] ?? "");
      if (NOT_EXPRESSION.test(name) || !expression.trim()) continue;
      const where = `${relative(ROOT, file)}:${text.slice(0, m.index).split("\n").length}: ${name}="${expression}"`;
      if (name === "x-html") {
        problems.push(`${where}: x-html is refused by Alpine's CSP build`);
        continue;
      }
      if (name === "x-for") expression = (/^[\s\S]*?\s+(?:in|of)\s+([\s\S]*)$/.exec(expression) || [])[1] || expression;
      count += 1;
      let ast;
      try {
        ast = parse(expression);
      } catch (e) {
        problems.push(`${where}: the CSP build cannot evaluate it (${e.message}) – move it into a component method or getter`);
        continue;
      }
      const globals = [...new Set(rootNames(ast).filter((n) => PAGE_GLOBALS.has(n)))];
      if (globals.length) problems.push(`${where}: ${globals.join(", ")} is not reachable from the CSP build – use a component method`);
      if (name.startsWith("x-model") && !["Identifier", "MemberExpression"].includes(ast.type)) {
        problems.push(`${where}: x-model needs a property to assign to`);
      }
    }
  }
  return count;
}

// ---------------------------------------------------------------- Content-Security-Policy

const CSP_META = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"\s*\/?>/i;

function parseCsp(policy) {
  const directives = new Map();
  for (const part of policy.split(";")) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) directives.set(name.toLowerCase(), sources);
  }
  return directives;
}

/** The apiBase that config.js sets. */
function configuredApiBase(site = SITE) {
  const m = /^\s*window\.UNIONCORE_CONFIG\s*=\s*\{\s*apiBase:\s*"([^"]*)"/m.exec(readFileSync(join(site, "config.js"), "utf8"));
  return m ? m[1] : null;
}

/** `'self'` plus the API's origin when the API is on another origin (an absolute apiBase). */
function connectSources(apiBase) {
  if (!/^[a-z][a-z0-9+.-]*:/i.test(apiBase)) return ["'self'"];
  return ["'self'", new URL(apiBase).origin];
}

function checkCsp(problems, site = SITE) {
  const html = readFileSync(join(site, "index.html"), "utf8");
  const meta = CSP_META.exec(html);
  if (!meta) {
    problems.push("index.html: no Content-Security-Policy <meta>");
    return;
  }
  const csp = parseCsp(meta[1]);
  const list = (name) => csp.get(name) || [];
  if (meta[1].includes("'unsafe-eval'")) problems.push("index.html CSP: 'unsafe-eval' is not needed with Alpine's CSP build");
  const scripts = list("script-src");
  if (scripts.join(" ") !== "'self'") problems.push(`index.html CSP: script-src must be exactly 'self' (is ${scripts.join(" ")})`);
  for (const [name, sources] of csp) {
    const broad = sources.filter((src) => src === "*" || /^[a-z][a-z0-9+.-]*:$/i.test(src) && !["data:", "blob:"].includes(src));
    if (broad.length) problems.push(`index.html CSP: ${name} allows whole schemes/hosts (${broad.join(" ")})`);
  }
  const apiBase = configuredApiBase(site);
  if (apiBase === null) problems.push("config.js: no apiBase");
  else {
    const expected = connectSources(apiBase).join(" ");
    if (list("connect-src").join(" ") !== expected) {
      problems.push(`index.html CSP: connect-src must be \`${expected}\` for apiBase ${apiBase} (is \`${list("connect-src").join(" ")}\`) – run \`node static_site/build.mjs configure --api-base ${apiBase}\``);
    }
  }
  for (const [name, value] of [["object-src", "'none'"], ["base-uri", "'self'"], ["default-src", "'self'"]]) {
    if (list(name).join(" ") !== value) problems.push(`index.html CSP: ${name} must be ${value}`);
  }
}

/**
 * A deployment's copy of the site: config.js with the API URL, the CSP's connect-src with exactly its
 * origin, and the precache list (config.js and index.html changed).
 */
function configure(argv) {
  const arg = (name) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const apiBase = String(arg("--api-base") || "").replace(/\/+$/, "");
  const site = arg("--site") ? resolve(arg("--site")) : SITE;
  if (!apiBase) {
    console.error("usage: node static_site/build.mjs configure --api-base URL [--site DIR]");
    process.exit(2);
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(apiBase)) {
    const url = new URL(apiBase);
    const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
    if (url.protocol !== "https:" && !(loopback && url.protocol === "http:")) {
      console.error(`--api-base must be an https:// URL (or a path on the site's own origin): ${apiBase}`);
      process.exit(2);
    }
  } else if (!apiBase.startsWith("/")) {
    console.error(`--api-base must be an absolute URL or a path starting with /: ${apiBase}`);
    process.exit(2);
  }
  writeFileSync(join(site, "config.js"), "// Runtime configuration of this deployment, written by `node static_site/build.mjs configure`.\n"
    + `window.UNIONCORE_CONFIG = { apiBase: ${JSON.stringify(apiBase)} };\n`);
  const indexFile = join(site, "index.html");
  const html = readFileSync(indexFile, "utf8");
  const meta = CSP_META.exec(html);
  if (!meta) {
    console.error(`${indexFile}: no Content-Security-Policy <meta>`);
    process.exit(1);
  }
  const policy = meta[1].replace(/connect-src[^;]*/, `connect-src ${connectSources(apiBase).join(" ")}`);
  writeFileSync(indexFile, html.replace(meta[1], policy));
  console.log(`configured ${relative(process.cwd(), site) || "."}: apiBase ${apiBase}, connect-src ${connectSources(apiBase).join(" ")}`);
  precache(site);
  const problems = [];
  checkCsp(problems, site);
  if (problems.length) {
    console.error(problems.map((p) => `✗ ${p}`).join("\n"));
    process.exit(1);
  }
}

async function check() {
  const problems = [];
  const files = walk(SITE).filter((p) => [".html", ".js", ".mjs", ".css", ".webmanifest", ".json"].includes(extname(p)));

  // 1. No external resources: every script/style/font/icon is served from the site itself.
  const external = /(src|href)\s*=\s*["']\s*(https?:)?\/\/|url\(\s*["']?(https?:)?\/\/|import\s[^;]*["'](https?:)?\/\/|@import\s+["']?(https?:)?\/\//gi;
  for (const file of files) {
    if (file === fileURLToPath(import.meta.url)) continue;
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(external)) problems.push(`${relative(ROOT, file)}: external reference ${m[0]}`);
    if (/\b(cdn\.jsdelivr|unpkg\.com|cdnjs|googleapis|gstatic)\b/i.test(text)) problems.push(`${relative(ROOT, file)}: mentions a CDN host`);
  }

  // 2. The precache list in sw.js is the generated one: every shipped file, nothing else, current version.
  const sw = readFileSync(join(SITE, "sw.js"), "utf8");
  const block = PRECACHE_BLOCK.exec(sw);
  const shellBlock = block && /const SHELL = \[([\s\S]*?)\];/.exec(block[1]);
  const versionLine = block && /const PRECACHE_VERSION = "([0-9a-f]+)";/.exec(block[1]);
  if (!shellBlock || !versionLine) problems.push("sw.js: generated PRECACHE block (PRECACHE_VERSION, SHELL) not found – run `npm run precache`");
  else {
    const listed = [...shellBlock[1].matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    for (const p of listed) {
      if (!existsSync(join(SITE, p === "./" ? "index.html" : p))) problems.push(`sw.js precaches missing file ${p}`);
    }
    const expected = shellFiles();
    // ...and every file the site ships is in the shell list.
    for (const rel of expected) if (!listed.includes(rel)) problems.push(`sw.js SHELL does not list ${rel} – run \`npm run precache\``);
    for (const rel of listed) if (rel !== "./" && !expected.includes(rel)) problems.push(`sw.js SHELL lists ${rel}, which is not a shell file – run \`npm run precache\``);
    if (!listed.includes("./")) problems.push("sw.js SHELL does not list ./");
    if (versionLine[1] !== shellVersion(expected)) {
      problems.push("sw.js PRECACHE_VERSION is not the content hash of the shell files – run `npm run precache`");
    }
  }

  // 3. JavaScript parses.
  for (const file of walk(SITE).filter((p) => p.endsWith(".js") || p.endsWith(".mjs"))) {
    try {
      execFileSync(process.execPath, ["--check", file], { stdio: "pipe" });
    } catch (e) {
      problems.push(`${relative(ROOT, file)}: ${String(e.stderr || e.message).split("\n").slice(0, 4).join(" ")}`);
    }
  }

  // 4. The manifest is valid JSON and its icons exist.
  try {
    const manifest = JSON.parse(readFileSync(join(SITE, "manifest.webmanifest"), "utf8"));
    for (const icon of manifest.icons || []) if (!existsSync(join(SITE, icon.src))) problems.push(`manifest icon missing: ${icon.src}`);
  } catch (e) {
    problems.push(`manifest.webmanifest: ${e.message}`);
  }

  // 5. Module templates: every route and extension template exists, includes and slots resolve.
  await checkModules(problems);

  // 6. Every Alpine expression is one the CSP build evaluates; the CSP itself is strict.
  const expressions = checkAlpineExpressions(problems);
  checkCsp(problems);

  if (problems.length) {
    console.error(problems.map((p) => `✗ ${p}`).join("\n"));
    process.exit(1);
  }
  console.log(`static_site check ok (${files.length} files, ${expressions} Alpine expressions, strict CSP)`);
}

const command = process.argv[2];
if (command === "vendor") vendor();
else if (command === "precache") precache();
else if (command === "check") await check();
else if (command === "configure") configure(process.argv.slice(3));
else {
  console.error("usage: node static_site/build.mjs vendor|precache|check|configure");
  process.exit(2);
}
