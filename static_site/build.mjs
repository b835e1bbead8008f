#!/usr/bin/env node
// Static-site build helper (no bundler).
//
//   node static_site/build.mjs vendor   copy pinned front-end libraries from
//                                       node_modules into static_site/vendor/
//   node static_site/build.mjs check    verify the shell: no external (CDN)
//                                       URLs, every file the service worker
//                                       precaches exists, JS parses.
//
// npm scripts: `npm run vendor`, `npm run check`, `npm run build` (both).

import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, extname } from "node:path";
import { fileURLToPath } from "node:url";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";

const SITE = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(SITE);
const VENDOR = join(SITE, "vendor");

/** Libraries to vendor: [npm package, file inside the package, target name in vendor/]. */
const LIBS = [
  { pkg: "alpinejs", file: "dist/cdn.min.js", target: "alpine.min.js", license: "LICENSE.md" },
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

function check() {
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

  // 2. Every precached shell file exists (vendor files need `npm run vendor`).
  const sw = readFileSync(join(SITE, "sw.js"), "utf8");
  const shellBlock = /const SHELL = \[([\s\S]*?)\];/.exec(sw);
  if (!shellBlock) problems.push("sw.js: SHELL list not found");
  else {
    for (const m of shellBlock[1].matchAll(/"([^"]+)"/g)) {
      const p = m[1] === "./" ? "index.html" : m[1];
      if (!existsSync(join(SITE, p))) problems.push(`sw.js precaches missing file ${p}`);
    }
    // ...and every JS module / icon the site ships is in the shell list.
    for (const file of walk(SITE)) {
      const rel = relative(SITE, file).split("\\").join("/");
      if ((rel.startsWith("js/") || rel.startsWith("icons/") || rel.startsWith("css/")) && !shellBlock[1].includes(`"${rel}"`)) {
        problems.push(`sw.js SHELL does not list ${rel}`);
      }
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

  if (problems.length) {
    console.error(problems.map((p) => `✗ ${p}`).join("\n"));
    process.exit(1);
  }
  console.log(`static_site check ok (${files.length} files)`);
}

const command = process.argv[2];
if (command === "vendor") vendor();
else if (command === "check") check();
else {
  console.error("usage: node static_site/build.mjs vendor|check");
  process.exit(2);
}
