// Roles and capabilities. The API is the authority on permissions; the
// capability tables only decide what the UI offers (the server still answers
// 403).
//
// Each module declares its capabilities in its own `capabilities.js`: the
// capability name, the API route it stands for and the roles that get it.
// tests/unit/test_web_permissions.py parses those tables and checks every
// entry against the server's route registry, so the tables cannot drift from
// app.py. app.js registers the tables of all modules here at start-up.

import { humanize } from "./format.js";

export const ROLES = ["admin", "officer", "dispatcher", "staff", "organizer", "instructor", "member"];
export const STAFF_ROLES = ["admin", "officer", "dispatcher", "staff", "organizer", "instructor"];

export const ROLE_LABELS = {
  admin: "Administrator",
  officer: "Officer",
  dispatcher: "Dispatcher",
  staff: "Staff",
  organizer: "Organizer",
  instructor: "Instructor",
  member: "Member",
};

export function roleLabel(role) {
  return ROLE_LABELS[role] || humanize(role);
}

/** capability -> { route, roles, narrower?, ui? } from every module's table. */
const CAPABILITIES = {};

export function registerCapabilities(table, owner) {
  for (const [name, entry] of Object.entries(table)) {
    if (name in CAPABILITIES) throw new Error(`capability ${name} (${owner}) is already declared`);
    CAPABILITIES[name] = { ...entry, owner };
  }
}

/** True when one of `roles` has `capability`. Unknown capabilities allow nobody (deny by default). */
export function can(roles, capability) {
  const entry = CAPABILITIES[capability];
  const allowed = (entry && entry.roles) || [];
  return (roles || []).some((r) => allowed.includes(r));
}
