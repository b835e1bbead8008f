// The feature modules of the web app, one line each. A new module is a
// folder beside this file with an index.js (see docs/ui.md, "Adding a
// screen"); this list is the one line outside the folder it adds.
//
// The order here does not matter: app.js reads these exports by name.
// Navigation links, home pages and member-record tabs have their own
// `order`/`rank`; a module's routes are matched in the order it lists them,
// and two modules must not claim the same path.

export { default as identity } from "./identity/index.js";
export { default as members } from "./members/index.js";
export { default as employment } from "./employment/index.js";
export { default as notes } from "./notes/index.js";
export { default as employers } from "./employers/index.js";
export { default as audit } from "./audit/index.js";
export { default as referral } from "./referral/index.js";
